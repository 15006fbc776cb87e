namespace IrqLab.Hardware.Apic;

/// <summary>Local APIC mode selected by IA32_APIC_BASE EN (bit 11) and EXTD (bit 10) (SDM §11.12.5.1).</summary>
public enum LocalApicMode
{
    /// <summary>EN = 0, EXTD = 0: the APIC neither accepts nor sends messages; MMIO is not decoded.</summary>
    Disabled,

    /// <summary>EN = 1, EXTD = 0: registers in the 4 KiB MMIO page.</summary>
    XApic,

    /// <summary>EN = 1, EXTD = 1: registers in MSRs 0x800-0x8FF, 32-bit APIC IDs.</summary>
    X2Apic,
}
