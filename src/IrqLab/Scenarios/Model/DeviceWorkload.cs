namespace IrqLab.Scenarios.Model;

/// <summary><c>{device, rate, pattern}</c>: raises of a device.</summary>
/// <param name="Device">Device name.</param>
/// <param name="RatePerSecond">Mean raises per simulated second.</param>
/// <param name="Pattern">poisson, periodic or burst.</param>
/// <param name="BurstCount">Raises per burst (burst pattern).</param>
/// <param name="BurstEveryNs">Time from the start of one burst to the start of the next (burst pattern).</param>
/// <param name="BurstSpacingNs">Time between the raises of one burst: 0 = all at the same instant, else 1 / the
/// workload's <c>rate</c> (burst pattern).</param>
public sealed record DeviceWorkload(string Device, double RatePerSecond, ArrivalPattern Pattern, int BurstCount, long BurstEveryNs, long BurstSpacingNs = 0) : WorkloadSpec;
