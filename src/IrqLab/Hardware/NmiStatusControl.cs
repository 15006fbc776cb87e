namespace IrqLab.Hardware;

/// <summary>
/// The chipset's NMI status and control register at I/O port 0x61 (the PC/AT's "system control port B"; NMI_STS_CNT in
/// Intel PCH datasheets; Linux's <c>NMI_REASON_PORT</c>, arch/x86/include/asm/mach_traps.h), which
/// <c>default_get_nmi_reason()</c> reads to learn why an NMI came. Bits 3:0 are control bits and read back as written:
/// 8254 timer 2 gate, speaker data, SERR# NMI disable (<c>NMI_REASON_CLEAR_SERR</c>), IOCHK# NMI disable
/// (<c>NMI_REASON_CLEAR_IOCHK</c>). Bits 7:4 are status and ignore writes: SERR# NMI source (<c>NMI_REASON_SERR</c>),
/// IOCHK# NMI source (<c>NMI_REASON_IOCHK</c>), timer 2 output, refresh toggle.
/// </summary>
/// <remarks>
/// The model has no 8254 and no PCI or ISA bus errors, so the status bits read 0: an NMI's reason is the control
/// bits alone (0x00 after reset), and Linux takes every NMI no handler claims for an unknown one. QEMU's
/// <c>pcspk_io_read</c> and KVM's in-kernel PIT also flip the refresh bit (by read or by time) and report timer 2's
/// output, which is why real logs show reasons such as 20 or 30; the model keeps the value deterministic.
/// </remarks>
public sealed class NmiStatusControl
{
    /// <summary>The register's I/O port.</summary>
    public const ushort Port = 0x61;

    /// <summary>Bits 3:0, the read/write control bits.</summary>
    private const byte ControlMask = 0x0F;

    private byte _control;

    /// <summary>An IN from port 0x61: the control bits as last written; no status bit is ever set in the model.</summary>
    public byte Read() => _control;

    /// <summary>An OUT to port 0x61: bits 3:0 take the value, the read-only status bits 7:4 ignore it.</summary>
    public void Write(byte value) => _control = (byte)(value & ControlMask);
}
