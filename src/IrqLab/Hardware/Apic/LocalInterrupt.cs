namespace IrqLab.Hardware.Apic;

/// <summary>A local interrupt source, delivered through its LVT entry (SDM §11.5.1).</summary>
public enum LocalInterrupt
{
    /// <summary>LINT0 pin (virtual wire: ExtINT from the 8259).</summary>
    Lint0,

    /// <summary>LINT1 pin (normally NMI).</summary>
    Lint1,

    /// <summary>Thermal sensor.</summary>
    Thermal,

    /// <summary>Performance-monitoring counter overflow.</summary>
    Pmc,

    /// <summary>Corrected machine-check error (CMCI).</summary>
    Cmci,

    /// <summary>APIC internal error.</summary>
    Error,
}
