namespace IrqLab.Scenarios.Model;

/// <summary><c>{expect: {handlers: [...]}}</c>: handler names dispatched since the previous handlers expect.</summary>
public sealed record ExpectHandlersStep(IReadOnlyList<string> Handlers) : ExpectStep;
