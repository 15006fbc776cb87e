namespace IrqLab.Kernel.Irq;

/// <summary>The flow handler installed in <c>desc-&gt;handle_irq</c> (<c>kernel/irq/chip.c</c>).</summary>
public enum IrqFlow
{
    /// <summary><c>handle_edge_irq</c>, name "edge".</summary>
    Edge,

    /// <summary><c>handle_level_irq</c> (8259, no name).</summary>
    Level,

    /// <summary><c>handle_fasteoi_irq</c>, name "fasteoi".</summary>
    FastEoi,

    /// <summary><c>handle_percpu_irq</c>.</summary>
    PerCpu,
}
