namespace IrqLab.Scenarios.Model;

/// <summary><c>{write: {cpu, reg|msr|mmio|port|ioapic, value}}</c>.</summary>
public sealed record WriteStep(RegisterRef Target, ulong Value) : Step;
