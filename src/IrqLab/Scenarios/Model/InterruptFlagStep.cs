namespace IrqLab.Scenarios.Model;

/// <summary><c>{sti: {cpu}}</c> / <c>{cli: {cpu}}</c> (and the bare actions <c>sti</c>, <c>cli</c>).</summary>
/// <param name="Set">True for STI.</param>
/// <param name="Cpu">CPU; null inside a handler.</param>
public sealed record InterruptFlagStep(bool Set, int? Cpu) : Step;
