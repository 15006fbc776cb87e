namespace IrqLab.Scenarios.Model;

/// <summary><c>{expect: {cpu, reg, equals}}</c>: the register read now, side-effect free.</summary>
public sealed record ExpectRegisterStep(RegisterRef Target, ExpectValue EqualsValue) : ExpectStep;
