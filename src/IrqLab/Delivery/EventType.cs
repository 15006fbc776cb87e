namespace IrqLab.Delivery;

/// <summary>
/// The kind of a CPU event, numbered as FRED and the VMX interruption-information field number them
/// (Linux <c>EVENT_TYPE_*</c> in <c>arch/x86/include/asm/trapnr.h</c>; shared/reference/x86-events.md §7.3).
/// </summary>
public enum EventType : byte
{
    /// <summary>Maskable external interrupt (INTR), any vector.</summary>
    ExternalInterrupt = 0,

    /// <summary>Reserved: never generated; a FRED frame carrying it reaches <c>fred_bad_type</c>.</summary>
    Reserved = 1,

    /// <summary>Non-maskable interrupt (vector 2).</summary>
    Nmi = 2,

    /// <summary>Hardware exception, vectors 0-31.</summary>
    HardwareException = 3,

    /// <summary>Software interrupt (INT n), any vector.</summary>
    SoftwareInterrupt = 4,

    /// <summary>Privileged software exception (INT1 / ICEBP, vector 1).</summary>
    PrivilegedSoftwareException = 5,

    /// <summary>Software exception (INT3 vector 3, INTO vector 4).</summary>
    SoftwareException = 6,

    /// <summary>Other event: FRED SYSCALL (vector 1) and SYSENTER (vector 2); VMX MTF (vector 0).</summary>
    Other = 7,
}
