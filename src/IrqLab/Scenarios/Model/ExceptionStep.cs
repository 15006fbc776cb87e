namespace IrqLab.Scenarios.Model;

/// <summary><c>{exception: {cpu, vector, error_code, cr2}}</c>: a hardware exception raised by the running instruction.</summary>
public sealed record ExceptionStep(int Cpu, int Vector, ulong? ErrorCode, ulong? Cr2) : Step;
