namespace IrqLab.Scenarios.Model;

/// <summary><c>{raise: dev}</c>, <c>{lower: dev}</c>, <c>{pulse: dev}</c>, or <c>{raise: {device, vector_index}}</c>.</summary>
public sealed record DeviceStep(LineOp Op, string Device, int VectorIndex) : Step;
