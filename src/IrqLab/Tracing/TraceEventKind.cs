namespace IrqLab.Tracing;

/// <summary>What a <see cref="TraceEvent"/> reports.</summary>
public enum TraceEventKind
{
    /// <summary>A handler starts (<see cref="TraceEvent.Name"/> = handler, <see cref="TraceEvent.Vector"/>, <see cref="TraceEvent.Irq"/>, <see cref="TraceEvent.Depth"/>).</summary>
    HandlerEntry,

    /// <summary>The handler started by the matching entry on this CPU returns (IRET / ERETS); <see cref="TraceEvent.Value"/> = its irq return (linux device handlers: 1 handled, 0 none) or -1.</summary>
    HandlerExit,

    /// <summary>A device raises its interrupt (<see cref="TraceEvent.Name"/> = device, <see cref="TraceEvent.Cpu"/> = -1).</summary>
    Raise,

    /// <summary>An EOI on <see cref="TraceEvent.Cpu"/> for <see cref="TraceEvent.Vector"/>.</summary>
    Eoi,

    /// <summary>Number of vectors pending in the CPU's IRR changed; <see cref="TraceEvent.Value"/> = the new count.</summary>
    Pending,

    /// <summary>A VM exit on <see cref="TraceEvent.Cpu"/>; <see cref="TraceEvent.Name"/> = reason (<c>EXTERNAL_INTERRUPT</c>), <see cref="TraceEvent.Vm"/>, <see cref="TraceEvent.Vcpu"/>.</summary>
    VmExit,

    /// <summary>A VM entry of <see cref="TraceEvent.Vm"/>/<see cref="TraceEvent.Vcpu"/> on <see cref="TraceEvent.Cpu"/>.</summary>
    VmEntry,

    /// <summary>A kernel log line; <see cref="TraceEvent.Name"/> = text.</summary>
    Message,

    /// <summary>
    /// A fault of the run's <c>faults</c> list on <see cref="TraceEvent.Cpu"/> (SCENARIOS.md §10);
    /// <see cref="TraceEvent.Name"/> = its kind (<c>triple_fault</c>, <c>machine_check</c>, <c>cfi_failure</c>,
    /// <c>vmentry_failure</c>).
    /// </summary>
    Fault,

    /// <summary>
    /// The handler started by the matching entry on this CPU is gone without a return: an INIT reset the processor
    /// (SDM Vol. 3A §9.1). Its slice ends here; the kernel's exit tracepoint never fires, so ftrace prints nothing.
    /// </summary>
    HandlerDropped,
}
