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
}
