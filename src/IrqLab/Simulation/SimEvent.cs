namespace IrqLab.Simulation;

/// <summary>A queued event: when, in which order among equal times, and what. A plain value; queuing allocates nothing.</summary>
/// <param name="TimeNs">Simulated time it fires.</param>
/// <param name="Sequence">Insertion number: breaks ties so equal-time events fire in the order queued.</param>
/// <param name="Kind">What it does.</param>
/// <param name="Target">CPU or workload index.</param>
/// <param name="Generation">Token checked against the target's current generation: stale events are skipped.</param>
public readonly record struct SimEvent(long TimeNs, long Sequence, SimEventKind Kind, int Target, long Generation);
