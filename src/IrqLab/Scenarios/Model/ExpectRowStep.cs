namespace IrqLab.Scenarios.Model;

/// <summary><c>{expect: {row, cpu, equals|at_least|at_most}}</c>: a /proc/interrupts count now.</summary>
public sealed record ExpectRowStep(string Row, int Cpu, ulong? EqualsValue, ulong? AtLeast, ulong? AtMost) : ExpectStep;
