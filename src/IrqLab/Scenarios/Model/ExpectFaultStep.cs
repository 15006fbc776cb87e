namespace IrqLab.Scenarios.Model;

/// <summary><c>{expect: {fault: kind, cpu}}</c>: the fault was recorded.</summary>
public sealed record ExpectFaultStep(string Fault, int? Cpu) : ExpectStep;
