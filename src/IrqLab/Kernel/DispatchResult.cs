using System.Runtime.CompilerServices;

namespace IrqLab.Kernel;

/// <summary>What one kernel entry did.</summary>
public readonly record struct DispatchResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="handler">Canonical C handler name (<c>sysvec_apic_timer_interrupt</c>, <c>common_interrupt</c>, <c>exc_page_fault</c>, ...).</param>
    /// <param name="path">How it was reached.</param>
    /// <param name="irq">Linux irq number for a device interrupt, else -1.</param>
    /// <param name="costNs">Simulated time the handlers took (sum of the actions' costs).</param>
    /// <param name="trapped">A kCFI check failed: the target did not run; <paramref name="handler"/> is the #UD handler that reported it.</param>
    // Inlined on purpose: the dispatch fast paths build one per interrupt, and a call here (the JIT's inline budget runs
    // out in ExternalInterrupt) costs a stack temporary and a copy of the whole value.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DispatchResult(string handler, DispatchPath path, int irq, long costNs, bool trapped)
    {
        Handler = handler;
        Path = path;
        Irq = irq;
        CostNs = costNs;
        Trapped = trapped;
    }

    /// <summary>Canonical C handler name (<c>sysvec_apic_timer_interrupt</c>, <c>common_interrupt</c>, <c>exc_page_fault</c>, ...).</summary>
    public string Handler { get; init; }

    /// <summary>How it was reached.</summary>
    public DispatchPath Path { get; init; }

    /// <summary>Linux irq number for a device interrupt, else -1.</summary>
    public int Irq { get; init; }

    /// <summary>Simulated time the handlers took (sum of the actions' costs).</summary>
    public long CostNs { get; init; }

    /// <summary>A kCFI check failed: the target did not run; <see cref="Handler"/> is the #UD handler that reported it.</summary>
    public bool Trapped { get; init; }
}
