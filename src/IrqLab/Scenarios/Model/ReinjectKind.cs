namespace IrqLab.Scenarios.Model;

/// <summary><c>vms[].reinject</c>: how the host runs the handler of an interrupt that exited a guest.</summary>
public enum ReinjectKind
{
    /// <summary><c>external_interrupt()</c> through the system vector table / FRED entry from KVM.</summary>
    Software,

    /// <summary>Legacy: call the handler found in the host IDT gate.</summary>
    Idt,
}
