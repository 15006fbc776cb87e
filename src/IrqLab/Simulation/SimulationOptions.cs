using IrqLab.Tracing;

namespace IrqLab.Simulation;

/// <summary>Knobs of one run that are not part of the scenario.</summary>
public sealed record SimulationOptions
{
    /// <summary>Overrides the scenario's seed when set (<c>--seed</c>).</summary>
    public ulong? Seed { get; init; }

    /// <summary>Cap of the <c>dispatch</c> log (<c>--log-limit</c>, default 10000).</summary>
    public int LogLimit { get; init; } = 10_000;

    /// <summary>Observers that receive every <see cref="TraceEvent"/> (trace writers).</summary>
    public IReadOnlyList<ITraceSink> Sinks { get; init; } = [];

    /// <summary>Called now and then with (simulated ns, end ns) so a CLI can draw progress; null = none.</summary>
    public Action<long, long>? Progress { get; init; }

    /// <summary>
    /// Safety bound: the most handler entries one CPU may make without simulated time moving (an interrupt storm with
    /// zero-cost handlers would otherwise never end). Passing it stops the run with IrqLab's message
    /// <c>irqlab: CPUn entered N handlers without simulated time moving; run stopped</c> (not a fault).
    /// </summary>
    public long MaxEntriesPerInstant { get; init; } = 2_000_000;

    /// <summary>
    /// Safety bound on the whole machine's work without simulated time moving: handler entries on all CPUs plus
    /// acceptances of interrupt messages by local APICs (a broadcast to N APICs counts N). A storm that spreads over
    /// many CPUs keeps each under <see cref="MaxEntriesPerInstant"/> for long (a broadcast storm's cost grows with the
    /// square of the CPU count: 64 CPUs took 109 s before this bound). Passing it stops the run with IrqLab's message
    /// <c>irqlab: the machine made E handler entries and A interrupt acceptances without simulated time moving; run
    /// stopped</c>. Default 50,000,000: above what a storm on up to four CPUs reaches before the per-CPU bound.
    /// </summary>
    public long MaxMachineWorkPerInstant { get; init; } = 50_000_000;

    /// <summary>
    /// Safety bound on a run "until idle" (no <c>run.until</c>): how much simulated time past the last step the machine
    /// may keep itself busy (an interrupt that re-raises itself from its handler never goes idle). Reaching it stops
    /// the run with a message. Default 100 ms.
    /// </summary>
    public long IdleHorizonNs { get; init; } = 100_000_000;

    /// <summary>
    /// Work bound of the run (<c>--max-events</c>): when <c>stats.events</c> (steps plus engine events) reaches it, the run
    /// stops with a warning message, whatever is left of <c>run.until</c> and the steps; null (the default) runs to the
    /// end. Expects not reached fail (<c>irqlab check</c> exits 1), so a cut run never passes by default. At least 1.
    /// </summary>
    public long? MaxEvents { get; init; }

    /// <summary>
    /// Queues every handler resume as an event, never deferring one (see <c>Machine.DeferResume</c>). The results are
    /// the same either way; tests use it to check that.
    /// </summary>
    internal bool EagerResumes { get; init; }
}
