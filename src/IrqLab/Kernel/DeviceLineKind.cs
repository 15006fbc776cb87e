namespace IrqLab.Kernel;

/// <summary>How a device's interrupt reaches the CPU.</summary>
public enum DeviceLineKind
{
    /// <summary>A wired line on an IO-APIC pin (GSI).</summary>
    IoApicPin,

    /// <summary>A legacy ISA IRQ: IO-APIC pin in the PC wiring when an IO-APIC exists, else the 8259.</summary>
    Isa,

    /// <summary>PCI MSI.</summary>
    Msi,

    /// <summary>PCI MSI-X.</summary>
    MsiX,
}
