namespace IrqLab.Kernel.Irq;

/// <summary>
/// <c>struct irq_desc</c> (<c>include/linux/irqdesc.h</c>): the chip, hwirq, flow handler, actions in request order,
/// per-CPU counts and the spurious-detector state.
/// </summary>
public sealed class IrqDesc
{
    private readonly List<IrqAction> _actions = [];
    private IrqAction[] _actionArray = [];
    private readonly int _cpus;

    // kstat_irqs, allocated at the irq's first counted interrupt: a machine of 4096 CPUs whose drivers request
    // hundreds of thousands of vectors (legal scenarios) would otherwise hold 8 bytes per CPU for every irq that
    // never fires (docs/reliability.md "Resource bounds").
    private ulong[]? _kstat;

    internal IrqDesc(int irq, int cpus, IrqChipKind chip, string chipName, long hwirq, bool hasDomain, IrqFlow flow, string? flowName)
    {
        Irq = irq;
        _cpus = cpus;
        Chip = chip;
        ChipName = chipName;
        Hwirq = hwirq;
        HasDomain = hasDomain;
        Flow = flow;
        FlowName = flowName;
        Vector = -1;
        Cpu = -1;
        IoApic = -1;
        Pin = -1;
        IsaIrq = -1;
        Device = -1;
        MsiIndex = -1;
    }

    /// <summary>Linux irq number.</summary>
    public int Irq { get; }

    /// <summary>The chip.</summary>
    public IrqChipKind Chip { get; }

    /// <summary>Chip name printed in /proc/interrupts ("IO-APIC", "XT-PIC", "PCI-MSI", ...).</summary>
    public string ChipName { get; }

    /// <summary><c>irq_data.hwirq</c>.</summary>
    public long Hwirq { get; }

    /// <summary>True when the irq has an irq domain (hwirq is printed).</summary>
    public bool HasDomain { get; }

    /// <summary>The flow handler.</summary>
    public IrqFlow Flow { get; }

    /// <summary><c>desc-&gt;name</c>: "edge", "fasteoi", or null (8259).</summary>
    public string? FlowName { get; }

    /// <summary>Level-triggered (<c>IRQD_LEVEL</c>).</summary>
    public bool Level { get; internal set; }

    /// <summary>Active low polarity (wired lines).</summary>
    public bool ActiveLow { get; internal set; }

    /// <summary>Assigned vector, or -1.</summary>
    public int Vector { get; internal set; }

    /// <summary>Target CPU (x86 vector irqs are single-target), or -1.</summary>
    public int Cpu { get; internal set; }

    /// <summary>IO-APIC index for IO-APIC lines, else -1.</summary>
    public int IoApic { get; internal set; }

    /// <summary>IO-APIC pin, else -1.</summary>
    public int Pin { get; internal set; }

    /// <summary>ISA IRQ for 8259 lines, else -1.</summary>
    public int IsaIrq { get; internal set; }

    /// <summary>MSI device, else -1.</summary>
    public int Device { get; internal set; }

    /// <summary>MSI / MSI-X index, else -1.</summary>
    public int MsiIndex { get; internal set; }

    /// <summary>Actions in request order.</summary>
    public IReadOnlyList<IrqAction> Actions => _actions;

    /// <summary>The actions as an array (the flow handlers' view; replaced, never mutated, when the actions change).</summary>
    internal IrqAction[] ActionArray => _actionArray;

    /// <summary>Appends an action (<c>__setup_irq()</c>).</summary>
    internal void AddAction(IrqAction action)
    {
        _actions.Add(action);
        _actionArray = [.. _actions];
    }

    /// <summary>Removes every action of <paramref name="device"/>; returns how many were removed.</summary>
    internal int RemoveActions(int device)
    {
        var removed = _actions.RemoveAll(a => a.Device == device);
        if (removed > 0)
        {
            _actionArray = [.. _actions];
        }

        return removed;
    }

    /// <summary><c>IRQS_*</c> state.</summary>
    public IrqStateFlags State { get; internal set; }

    /// <summary><c>IRQD_IRQ_INPROGRESS</c>.</summary>
    public bool InProgress { get; internal set; }

    /// <summary><c>IRQD_IRQ_DISABLED</c>.</summary>
    public bool Disabled { get; internal set; }

    /// <summary><c>IRQD_IRQ_MASKED</c>.</summary>
    public bool Masked { get; internal set; }

    /// <summary><c>desc-&gt;depth</c>: nested disable count.</summary>
    public int Depth { get; internal set; }

    /// <summary><c>irq_count</c> of the spurious detector (position in the 100000 window).</summary>
    public int IrqCount { get; internal set; }

    /// <summary><c>irqs_unhandled</c>.</summary>
    public int IrqsUnhandled { get; internal set; }

    /// <summary><c>last_unhandled</c> in jiffies.</summary>
    public long LastUnhandled { get; internal set; }

    /// <summary><c>threads_handled_last</c> (with the SPURIOUS_DEFERRED bit 0x80000000).</summary>
    public uint ThreadsHandledLast { get; internal set; }

    /// <summary><c>threads_handled</c> (never incremented: no threads in this model).</summary>
    public uint ThreadsHandled { get; internal set; }

    /// <summary><c>tot_count</c>.</summary>
    public ulong TotalCount { get; internal set; }

    /// <summary>True while the irq is started (has at least one action and a vector).</summary>
    public bool Started { get; internal set; }

    /// <summary><c>kstat_irqs</c> of <paramref name="cpu"/>.</summary>
    public ulong Kstat(int cpu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cpu);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cpu, _cpus);
        return _kstat is null ? 0 : _kstat[cpu];
    }

    /// <summary>True once an interrupt of this irq was counted on some CPU.</summary>
    internal bool HasKstat => _kstat is not null;

    /// <summary>Sum of the per-CPU counts.</summary>
    public ulong KstatSum()
    {
        ulong s = 0;
        if (_kstat is null)
        {
            return 0;
        }

        foreach (var v in _kstat)
        {
            s += v;
        }

        return s;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal void IncrementKstat(int cpu, bool total)
    {
        (_kstat ?? AllocateKstat())[cpu]++;
        if (total)
        {
            TotalCount++;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private ulong[] AllocateKstat() => _kstat = new ulong[_cpus];

    /// <summary>Action names joined by ", " as /proc/interrupts prints them.</summary>
    public string ActionNames()
    {
        return string.Join(", ", _actions.Select(a => a.Name));
    }
}
