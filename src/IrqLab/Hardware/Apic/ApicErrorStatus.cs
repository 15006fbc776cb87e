namespace IrqLab.Hardware.Apic;

/// <summary>Error status register bits (SDM §11.5.3, Figure 11-9).</summary>
[Flags]
public enum ApicErrorStatus : uint
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>Bit 0: send checksum error (P6/Pentium APIC bus only; never set here).</summary>
    SendChecksum = 1 << 0,

    /// <summary>Bit 1: receive checksum error (P6/Pentium only; never set here).</summary>
    ReceiveChecksum = 1 << 1,

    /// <summary>Bit 2: send accept error (P6/Pentium only; never set here).</summary>
    SendAccept = 1 << 2,

    /// <summary>Bit 3: receive accept error (P6/Pentium only; never set here).</summary>
    ReceiveAccept = 1 << 3,

    /// <summary>Bit 4: redirectable IPI (lowest-priority IPI not supported; never set here).</summary>
    RedirectableIpi = 1 << 4,

    /// <summary>Bit 5: an ICR or SELF IPI write sent a fixed/lowest-priority vector 0-15.</summary>
    SendIllegalVector = 1 << 5,

    /// <summary>Bit 6: a received message or local (LVT / self) interrupt carried vector 0-15.</summary>
    ReceiveIllegalVector = 1 << 6,

    /// <summary>Bit 7: xAPIC access to a reserved register offset.</summary>
    IllegalRegisterAddress = 1 << 7,
}
