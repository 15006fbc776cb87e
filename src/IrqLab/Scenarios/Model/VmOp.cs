namespace IrqLab.Scenarios.Model;

/// <summary>The operation of a <c>vm</c> step.</summary>
public enum VmOp
{
    /// <summary>VM entry of the vCPU.</summary>
    Enter,

    /// <summary>Leave guest mode (as if the guest executed a VM-exiting instruction).</summary>
    Exit,

    /// <summary>Set up event injection for the next VM entry.</summary>
    Inject,

    /// <summary>Post an interrupt to the vCPU's posted-interrupt descriptor.</summary>
    Post,

    /// <summary>
    /// A virtual NMI for the guest, as KVM's <c>kvm_inject_nmi()</c> queues one (an extension of the contract):
    /// injected at once when the guest does not block NMIs, otherwise after an NMI-window exit.
    /// </summary>
    Nmi,
}
