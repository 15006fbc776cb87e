namespace IrqLab.Simulation.Output;

/// <summary>One row of the output's <c>interrupts.rows</c> (the model's /proc/interrupts).</summary>
/// <param name="Row">"14" for an irq, or the label ("LOC").</param>
/// <param name="Counts">Per-CPU counts.</param>
/// <param name="Chip">Chip name for irq rows.</param>
/// <param name="Hwirq">hwirq-flow ("14-edge") for irq rows.</param>
/// <param name="Actions">Action names joined by ", " for irq rows.</param>
/// <param name="Desc">Description for named rows.</param>
public sealed record InterruptRow(string Row, IReadOnlyList<ulong> Counts, string? Chip, string? Hwirq, string? Actions, string? Desc);
