namespace IrqLab.Scenarios.Model;

/// <summary><c>{read: {..., as: name}}</c>: the value appears in the output's <c>reads</c> under <see cref="As"/>.</summary>
public sealed record ReadStep(RegisterRef Target, string As) : Step;
