namespace IrqLab.Scenarios.Model;

/// <summary><c>{ipis: {rate, vector}}</c>: IPIs between random sender and receiver.</summary>
public sealed record IpiWorkload(double RatePerSecond, int Vector) : WorkloadSpec;
