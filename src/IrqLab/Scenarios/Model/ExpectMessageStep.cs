namespace IrqLab.Scenarios.Model;

/// <summary><c>{expect: {message: "text"}}</c>: a kernel log line containing the text exists.</summary>
public sealed record ExpectMessageStep(string Text) : ExpectStep;
