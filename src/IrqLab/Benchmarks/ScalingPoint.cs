namespace IrqLab.Benchmarks;

/// <summary>One measured point of the scaling sweep (<see cref="ScalingSweep"/>).</summary>
/// <param name="Series">Which parameter the point varies: <c>cpus</c>, <c>rate</c> or <c>devices</c>.</param>
/// <param name="X">The varied parameter's value (CPUs, interrupts/s per CPU, or devices).</param>
/// <param name="Cpus">CPUs of the simulated machine.</param>
/// <param name="Devices">MSI-X devices sharing the load.</param>
/// <param name="RatePerCpu">Device interrupts per second per CPU (the 1000 Hz local timer comes on top).</param>
/// <param name="Interrupts">Interrupts delivered during the run.</param>
/// <param name="SimulatedSeconds">Simulated time.</param>
/// <param name="WallSeconds">Wall-clock time of <c>Simulator.Run</c>.</param>
public sealed record ScalingPoint(
    string Series,
    long X,
    int Cpus,
    int Devices,
    long RatePerCpu,
    long Interrupts,
    double SimulatedSeconds,
    double WallSeconds)
{
    /// <summary>Wall-clock nanoseconds per delivered interrupt.</summary>
    public double NsPerInterrupt => Interrupts > 0 ? WallSeconds * 1e9 / Interrupts : 0;

    /// <summary>Simulated seconds per wall-clock second.</summary>
    public double RealtimeFactor => WallSeconds > 0 ? SimulatedSeconds / WallSeconds : 0;
}
