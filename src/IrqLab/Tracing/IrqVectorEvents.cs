using System.Collections.Frozen;

namespace IrqLab.Tracing;

/// <summary>
/// The x86 <c>irq_vectors:</c> events as data: which <c>sysvec_*</c> handler traces which event
/// (<c>arch/x86/include/asm/trace/irq_vectors.h</c>, callers in <c>arch/x86/kernel/apic/apic.c</c>, <c>smp.c</c>,
/// <c>irq.c</c>, <c>irq_work.c</c>, <c>cpu/mce/*.c</c>; shared/reference/trace-formats.md §3.3).
/// </summary>
public static class IrqVectorEvents
{
    private static readonly IrqVectorEvent[] s_all =
    [
        new("sysvec_apic_timer_interrupt", "local_timer", 0xec, "LOC"),
        new("sysvec_spurious_apic_interrupt", "spurious_apic", 0xff, "SPU"),
        new("sysvec_error_interrupt", "error_apic", 0xfe, "ERR"),
        new("sysvec_x86_platform_ipi", "x86_platform_ipi", 0xf7, "PLT"),
        new("sysvec_irq_work", "irq_work", 0xf6, "IWI"),
        new("sysvec_reschedule_ipi", "reschedule", 0xfd, "RES"),
        new("sysvec_call_function", "call_function", 0xfc, "CAL"),
        new("sysvec_call_function_single", "call_function_single", 0xfb, "CAL"),
        new("sysvec_threshold", "threshold_apic", 0xf9, "THR"),
        new("sysvec_deferred_error", "deferred_error_apic", 0xf4, "DFR"),
        new("sysvec_thermal", "thermal_apic", 0xfa, "TRM"),
    ];

    /// <summary>
    /// <c>handle_spurious_interrupt(vector)</c> (apic.c) traces <c>spurious_apic_entry/exit</c> with the vector it is
    /// called with: 0xff from <c>sysvec_spurious_apic_interrupt</c>, the real vector from <c>spurious_interrupt</c> (the
    /// IDT stub of an unused system vector; <c>fred_handle_spurious_interrupt</c> under FRED).
    /// </summary>
    private const string SpuriousInterruptHandler = "spurious_interrupt";

    private static readonly FrozenDictionary<string, IrqVectorEvent> s_byHandler =
        s_all.Select(e => KeyValuePair.Create(e.Handler, e))
            .Append(KeyValuePair.Create(SpuriousInterruptHandler, s_all.Single(e => e.Event == "spurious_apic")))
            .ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, IrqVectorEvent> s_byEvent =
        s_all.ToFrozenDictionary(e => e.Event, StringComparer.Ordinal);

    /// <summary>All events, in the order of irq_vectors.h.</summary>
    public static IReadOnlyList<IrqVectorEvent> All => s_all;

    /// <summary>
    /// Finds the event traced by the <c>sysvec_*</c> handler <paramref name="handler"/>, or by <c>spurious_interrupt</c>
    /// (<c>spurious_apic</c>, traced with the interrupt's own vector rather than <see cref="IrqVectorEvent.Vector"/>); false
    /// for handlers that trace none (<c>sysvec_reboot</c>, posted-interrupt IPIs, Hyper-V).
    /// </summary>
    /// <param name="handler">The handler name.</param>
    /// <param name="vectorEvent">The event, when found.</param>
    /// <returns>True when the handler traces an <c>irq_vectors:</c> event.</returns>
    public static bool TryGetByHandler(string? handler, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IrqVectorEvent? vectorEvent)
    {
        if (handler is null)
        {
            vectorEvent = null;
            return false;
        }

        return s_byHandler.TryGetValue(handler, out vectorEvent);
    }

    /// <summary>
    /// The <c>vector</c> field <paramref name="handler"/> traces when run for <paramref name="deliveredVector"/>: the
    /// <c>*_VECTOR</c> constant its C code passes (<c>trace_reschedule_entry(RESCHEDULE_VECTOR)</c> in smp.c,
    /// <c>trace_local_timer_entry(LOCAL_TIMER_VECTOR)</c> in apic.c, ...), whatever vector it was installed at; only
    /// <c>spurious_interrupt</c> passes the vector it was called with (<c>handle_spurious_interrupt(vector)</c>, apic.c).
    /// </summary>
    /// <param name="handler">The handler name.</param>
    /// <param name="vectorEvent">The event it traces (<see cref="TryGetByHandler"/>).</param>
    /// <param name="deliveredVector">The vector the handler ran for.</param>
    /// <returns>The vector the tracepoint records.</returns>
    public static int TracedVector(string? handler, IrqVectorEvent vectorEvent, int deliveredVector)
    {
        ArgumentNullException.ThrowIfNull(vectorEvent);
        return string.Equals(handler, SpuriousInterruptHandler, StringComparison.Ordinal) ? deliveredVector : vectorEvent.Vector;
    }

    /// <summary>Finds an event by its base name (<c>local_timer</c>, without <c>_entry</c>/<c>_exit</c>).</summary>
    /// <param name="eventName">The base name.</param>
    /// <param name="vectorEvent">The event, when found.</param>
    /// <returns>True when the name is a known <c>irq_vectors:</c> event.</returns>
    public static bool TryGetByEvent(string eventName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IrqVectorEvent? vectorEvent)
        => s_byEvent.TryGetValue(eventName, out vectorEvent);
}
