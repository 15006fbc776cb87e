namespace IrqLab.Kernel.Irq;

/// <summary>The irq chip behind a descriptor (its ack / mask / EOI callbacks).</summary>
public enum IrqChipKind
{
    /// <summary><c>ioapic_chip</c> ("IO-APIC"): edge lines ack via <c>apic_ack_edge</c>, level lines EOI via <c>ioapic_ack_level</c>.</summary>
    IoApic,

    /// <summary><c>i8259A_chip</c> ("XT-PIC"): <c>mask_and_ack_8259A</c>, unmask after the handler.</summary>
    XtPic,

    /// <summary>PCI MSI ("PCI-MSI", per-device "PCI-MSI-&lt;bdf&gt;" from 6.6 in this model): edge, ack via <c>apic_ack_edge</c>.</summary>
    PciMsi,

    /// <summary>PCI MSI-X ("PCI-MSI" in 6.1, "PCI-MSIX-&lt;bdf&gt;" from 6.6 in this model).</summary>
    PciMsiX,

    /// <summary>A per-CPU interrupt (<c>handle_percpu_irq</c>; no chip callbacks beyond the local APIC EOI).</summary>
    PerCpu,
}
