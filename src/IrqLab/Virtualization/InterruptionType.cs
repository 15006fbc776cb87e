namespace IrqLab.Virtualization;

/// <summary>
/// Interruption type, bits 10:8 of the VMX interruption-information fields (Intel SDM Vol. 3C 24.8.3 Table 24-13,
/// 24.9.2 Table 24-15, 24.9.3 Table 24-16). The numbering is the same as the FRED event types (Linux
/// <c>arch/x86/include/asm/trapnr.h</c> <c>EVENT_TYPE_*</c>; KVM <c>INTR_TYPE_*</c> = type &lt;&lt; 8).
/// </summary>
public enum InterruptionType : byte
{
    /// <summary>0: external interrupt (<c>INTR_TYPE_EXT_INTR</c>).</summary>
    ExternalInterrupt = 0,

    /// <summary>1: reserved; VM entry with this type fails (SDM 26.2.1.3).</summary>
    Reserved = 1,

    /// <summary>2: non-maskable interrupt, always vector 2 (<c>INTR_TYPE_NMI_INTR</c>).</summary>
    Nmi = 2,

    /// <summary>3: hardware exception, vectors 0-31 (<c>INTR_TYPE_HARD_EXCEPTION</c>).</summary>
    HardwareException = 3,

    /// <summary>4: software interrupt, INT n (<c>INTR_TYPE_SOFT_INTR</c>).</summary>
    SoftwareInterrupt = 4,

    /// <summary>5: privileged software exception, INT1/ICEBP (<c>INTR_TYPE_PRIV_SW_EXCEPTION</c>).</summary>
    PrivilegedSoftwareException = 5,

    /// <summary>6: software exception, INT3 and INTO (<c>INTR_TYPE_SOFT_EXCEPTION</c>).</summary>
    SoftwareException = 6,

    /// <summary>7: other event; on VM entry only vector 0, a pending MTF VM exit (<c>INTR_TYPE_OTHER_EVENT</c>).</summary>
    Other = 7,
}
