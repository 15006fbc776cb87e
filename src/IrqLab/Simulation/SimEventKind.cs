namespace IrqLab.Simulation;

/// <summary>What a queued <see cref="SimEvent"/> does when its time comes.</summary>
public enum SimEventKind : byte
{
    /// <summary>A CPU finishes the time a handler spends (<c>advance</c>/<c>cost</c>) and continues its frame.</summary>
    CpuResume,

    /// <summary>A local APIC timer reaches its deadline.</summary>
    ApicTimer,

    /// <summary>A device workload raises its device.</summary>
    DeviceArrival,

    /// <summary>The IPI workload sends an IPI.</summary>
    IpiArrival,

    /// <summary>The NMI watchdog's perf counter overflows on every CPU.</summary>
    WatchdogTick,

    /// <summary>
    /// Traced runs only: a device action of the frame spending time on the CPU returns (<c>irq_handler_exit</c>, then
    /// the next action's <c>irq_handler_entry</c>). Changes nothing in the machine and is not counted in <c>stats.events</c>.
    /// </summary>
    TraceActionBoundary,
}
