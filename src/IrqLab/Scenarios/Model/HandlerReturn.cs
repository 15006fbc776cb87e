namespace IrqLab.Scenarios.Model;

/// <summary>What a Linux-mode device handler returns (<c>include/linux/irqreturn.h</c>).</summary>
public enum HandlerReturn
{
    /// <summary>IRQ_HANDLED: the device was acknowledged and deasserts its line.</summary>
    Handled,

    /// <summary>IRQ_NONE: not this device's interrupt; the line stays asserted.</summary>
    None,

    /// <summary>IRQ_WAKE_THREAD: acknowledged; the handler's thread_fn runs next and returns IRQ_HANDLED.</summary>
    WakeThread,
}
