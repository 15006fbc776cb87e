namespace IrqLab.Benchmarks;

/// <summary>One simulated scenario's throughput (an entry of <c>simulations</c> in SCENARIOS.md §12), filled by the CLI.</summary>
/// <param name="Scenario">Scenario file path as given.</param>
/// <param name="Cpus">CPUs of the simulated machine.</param>
/// <param name="Interrupts">Interrupts simulated.</param>
/// <param name="WallSeconds">Wall-clock seconds the run took.</param>
/// <param name="InterruptsPerSecond">Interrupts simulated per wall-clock second.</param>
/// <param name="RealtimeFactor">Simulated time over wall-clock time.</param>
/// <param name="PeakMegabytes">Peak managed memory in MB.</param>
public sealed record SimulationBenchResult(
    string Scenario,
    int Cpus,
    long Interrupts,
    double WallSeconds,
    double InterruptsPerSecond,
    double RealtimeFactor,
    double PeakMegabytes);
