namespace IrqLab.Kernel.Sysvec;

/// <summary>One function that can sit in a system-vector slot: a typed handler object (no reflection, no delegates).</summary>
public sealed class SysvecHandler
{
    /// <summary>Creates a handler.</summary>
    /// <param name="name">Canonical C handler (<c>sysvec_reschedule_ipi</c>, <c>spurious_interrupt</c>).</param>
    /// <param name="symbol">The function actually stored in the slot (<c>fred_sysvec_reschedule_ipi</c>, <c>fred_handle_spurious_interrupt</c>).</param>
    /// <param name="type">Its declared C type.</param>
    /// <param name="behavior">What it does.</param>
    /// <param name="row">The /proc/interrupts row it increments, or null.</param>
    public SysvecHandler(string name, string symbol, SysvecHandlerType type, SysvecBehavior behavior, string? row)
    {
        Name = name;
        Symbol = symbol;
        Type = type;
        Behavior = behavior;
        Row = row;
    }

    /// <summary>Canonical C handler name, as the dispatch log prints it.</summary>
    public string Name { get; }

    /// <summary>The function stored in the slot (what a CFI report names as the target).</summary>
    public string Symbol { get; }

    /// <summary>Declared C type of <see cref="Symbol"/>.</summary>
    public SysvecHandlerType Type { get; }

    /// <summary>What it does.</summary>
    public SysvecBehavior Behavior { get; }

    /// <summary>/proc/interrupts row it increments, or null.</summary>
    public string? Row { get; }

    /// <inheritdoc/>
    public override string ToString() => Symbol;
}
