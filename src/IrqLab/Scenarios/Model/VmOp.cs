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
}
