namespace IrqLab.Scenarios.Model;

/// <summary><c>{timer: {hz}}</c>: the local APIC timer, periodic, on every CPU.</summary>
public sealed record TimerWorkload(int Hz) : WorkloadSpec;
