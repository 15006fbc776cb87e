namespace IrqLab.Scenarios.Model;

/// <summary><c>{expect: {read: name, equals: v}}</c>.</summary>
public sealed record ExpectReadStep(string Read, ExpectValue EqualsValue) : ExpectStep;
