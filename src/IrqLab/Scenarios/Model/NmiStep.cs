namespace IrqLab.Scenarios.Model;

/// <summary><c>{nmi: {cpu}}</c>: a platform NMI message to that CPU.</summary>
public sealed record NmiStep(int Cpu) : Step;
