namespace IrqLab.Kernel.Irq;

/// <summary><c>IRQS_*</c> core-internal state bits (<c>kernel/irq/internals.h</c>, 6.19 values).</summary>
[Flags]
public enum IrqStateFlags
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary><c>IRQS_AUTODETECT</c>.</summary>
    Autodetect = 0x1,

    /// <summary><c>IRQS_SPURIOUS_DISABLED</c>: disabled by the "nobody cared" detector.</summary>
    SpuriousDisabled = 0x2,

    /// <summary><c>IRQS_POLL_INPROGRESS</c>.</summary>
    PollInProgress = 0x8,

    /// <summary><c>IRQS_ONESHOT</c>.</summary>
    Oneshot = 0x20,

    /// <summary><c>IRQS_REPLAY</c>: a resend is on its way.</summary>
    Replay = 0x40,

    /// <summary><c>IRQS_WAITING</c>.</summary>
    Waiting = 0x80,

    /// <summary><c>IRQS_PENDING</c>: an interrupt arrived but could not be handled.</summary>
    Pending = 0x200,
}
