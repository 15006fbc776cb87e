namespace IrqLab.Scenarios.Model;

#pragma warning disable CA1724
/// <summary><c>kernel.mode</c>.</summary>
public enum KernelMode
{
    /// <summary>The Linux model dispatches (default).</summary>
    Linux,

    /// <summary>No OS: handlers come from the scenario's <c>handlers:</c>.</summary>
    Bare,
}

/// <summary><c>kernel.variant</c>.</summary>
public enum KernelVariant
{
    /// <summary>As merged (6.9 <c>entry_fred.c</c>): exactly-typed wrappers.</summary>
    Mainline,

    /// <summary>The Nov 2022 proposal: a table of a two-argument type into which <c>sysvec_*(regs)</c> were cast.</summary>
    Rfc2022,
}

/// <summary><c>kernel.delivery</c>.</summary>
public enum DeliveryKind
{
    /// <summary>IDT gates.</summary>
    Idt,

    /// <summary>FRED event delivery.</summary>
    Fred,
}

/// <summary><c>machine.apic</c>.</summary>
public enum ApicMode
{
    /// <summary>xAPIC (MMIO at 0xFEE00000).</summary>
    XApic,

    /// <summary>x2APIC (MSRs 0x800-0x8FF).</summary>
    X2Apic,
}

/// <summary>Pin polarity.</summary>
public enum Polarity
{
    /// <summary>Active high.</summary>
    High,

    /// <summary>Active low.</summary>
    Low,
}

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

/// <summary><c>vms[].reinject</c>: how the host runs the handler of an interrupt that exited a guest.</summary>
public enum ReinjectKind
{
    /// <summary><c>external_interrupt()</c> through the system vector table / FRED entry from KVM.</summary>
    Software,

    /// <summary>Legacy: call the handler found in the host IDT gate.</summary>
    Idt,
}

/// <summary>Arrival pattern of a device workload.</summary>
public enum ArrivalPattern
{
    /// <summary>Exponential inter-arrival times.</summary>
    Poisson,

    /// <summary>Fixed period.</summary>
    Periodic,

    /// <summary>N back-to-back raises every period.</summary>
    Burst,
}
#pragma warning restore CA1724
