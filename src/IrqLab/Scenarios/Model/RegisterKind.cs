namespace IrqLab.Scenarios.Model;

/// <summary>What a <see cref="RegisterRef"/> addresses.</summary>
public enum RegisterKind
{
    /// <summary>A named local-APIC register (<c>apic.tpr</c>).</summary>
    Named,

    /// <summary>An MSR of the CPU (x2APIC range 0x800-0x8FF, IA32_APIC_BASE 0x1B, ...).</summary>
    Msr,

    /// <summary>A physical MMIO address (xAPIC page at 0xFEE00000).</summary>
    Mmio,

    /// <summary>An I/O port (8259, ELCR).</summary>
    Port,

    /// <summary>An IOAPIC register by name (<c>id</c>, <c>version</c>, <c>arb</c>, <c>redir.N</c>, <c>eoi</c>).</summary>
    IoApic,
}
