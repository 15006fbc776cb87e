using IrqLab.Vectors;

namespace IrqLab.Kernel;

/// <summary>One row of <c>irqlab vectors</c> (SCENARIOS.md §11).</summary>
/// <param name="Vector">0..255.</param>
/// <param name="Name">Constant name (<c>LOCAL_TIMER_VECTOR</c>), exception name, <c>ISA_IRQ_VECTOR(n)</c>, or null.</param>
/// <param name="Kind">exception, device, isa, cleanup, syscall or system.</param>
/// <param name="Handler">Canonical C handler, or null when Linux installs none.</param>
/// <param name="Config">Kconfig guard, or null.</param>
/// <param name="Row">/proc/interrupts row the handler increments, or null.</param>
public sealed record VectorTableEntry(int Vector, string? Name, VectorKind Kind, string? Handler, string? Config, string? Row);
