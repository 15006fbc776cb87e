namespace IrqLab.Kernel.Proc;

/// <summary>One /proc/interrupts row as structured data (the JSON <c>interrupts.rows[]</c> entry).</summary>
/// <param name="Row">"14" for an irq row, the label ("LOC") for a named row.</param>
/// <param name="Counts">Per-CPU counts; a single element for a global counter (ERR, MIS before the table-driven version).</param>
/// <param name="Chip">Chip name of an irq row, else null.</param>
/// <param name="Hwirq">hwirq and flow name of an irq row ("14-edge"; "0-fasteoi"); null when the row prints neither.</param>
/// <param name="Actions">Action names joined by ", " (irq rows), else null.</param>
/// <param name="Desc">Description of a named row without its leading spaces, null for irq rows and the classic ERR/MIS rows.</param>
/// <param name="Global">True when the counter is a single global value.</param>
public sealed record ProcInterruptsRow(
    string Row,
    IReadOnlyList<ulong> Counts,
    string? Chip,
    string? Hwirq,
    string? Actions,
    string? Desc,
    bool Global);
