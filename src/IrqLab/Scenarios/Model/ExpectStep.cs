namespace IrqLab.Scenarios.Model;

/// <summary>Base of the <c>{expect: ...}</c> steps (SCENARIOS.md §7), checked by <c>irqlab check</c>.</summary>
public abstract record ExpectStep : Step;

/// <summary><c>{expect: {read: name, equals: v}}</c>.</summary>
public sealed record ExpectReadStep(string Read, ExpectValue EqualsValue) : ExpectStep;

/// <summary><c>{expect: {cpu, reg, equals}}</c>: the register read now, side-effect free.</summary>
public sealed record ExpectRegisterStep(RegisterRef Target, ExpectValue EqualsValue) : ExpectStep;

/// <summary><c>{expect: {row, cpu, equals|at_least|at_most}}</c>: a /proc/interrupts count now.</summary>
public sealed record ExpectRowStep(string Row, int Cpu, ulong? EqualsValue, ulong? AtLeast, ulong? AtMost) : ExpectStep;

/// <summary><c>{expect: {handlers: [...]}}</c>: handler names dispatched since the previous handlers expect.</summary>
public sealed record ExpectHandlersStep(IReadOnlyList<string> Handlers) : ExpectStep;

/// <summary><c>{expect: {message: "text"}}</c>: a kernel log line containing the text exists.</summary>
public sealed record ExpectMessageStep(string Text) : ExpectStep;

/// <summary><c>{expect: {fault: kind, cpu}}</c>: the fault was recorded.</summary>
public sealed record ExpectFaultStep(string Fault, int? Cpu) : ExpectStep;
