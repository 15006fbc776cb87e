namespace IrqLab.Scenarios.Model;

/// <summary><c>{advance: 10us}</c>: run the machine (or spend time in the handler) for that long.</summary>
public sealed record AdvanceStep(long DurationNs) : Step;
