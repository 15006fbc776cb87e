using IrqLab.Hardware;

namespace IrqLab.Scenarios.Model;

/// <summary><c>{ipi: {from, to, vector, mode}}</c>: a write of the sender's ICR.</summary>
/// <param name="From">Sending CPU; null inside a handler means the handler's CPU.</param>
/// <param name="To">Destination kind.</param>
/// <param name="Destination">CPU number, logical mask or physical ID, per <paramref name="To"/>.</param>
/// <param name="Vector">Vector (resolved from a name where one was given).</param>
/// <param name="Mode">Delivery mode.</param>
public sealed record IpiStep(int? From, IpiTargetKind To, uint Destination, int Vector, DeliveryMode Mode) : Step;
