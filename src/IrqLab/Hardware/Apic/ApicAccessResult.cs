namespace IrqLab.Hardware.Apic;

/// <summary>Outcome of one register access, returned as a value (never thrown).</summary>
public enum ApicAccessResult
{
    /// <summary>The access took effect (a read returned the register).</summary>
    Ok,

    /// <summary>xAPIC: the access had no effect (read-only write, reserved offset, MMIO not decoded); the ESR may
    /// record it (bit 7, illegal register address, SDM §11.5.3).</summary>
    Ignored,

    /// <summary>RDMSR/WRMSR raised #GP(0): x2APIC reserved bits, read-only write, write-only read, unknown MSR, or an
    /// illegal IA32_APIC_BASE transition (SDM §11.12.1.2, §11.12.1.3, §11.12.5).</summary>
    GeneralProtection,
}
