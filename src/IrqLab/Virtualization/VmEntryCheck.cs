namespace IrqLab.Virtualization;

/// <summary>
/// Result of the VM-entry checks that concern events: the control-field checks on the VM-entry
/// interruption-information, exception error-code and instruction-length fields (SDM 26.2.1.3), the guest-state checks
/// on RFLAGS.IF and interruptibility (26.3.1.4, 26.3.1.5), and the event-related execution-control checks (26.2.1.1).
/// <see cref="VmEntryInjection.IsVmFail"/> tells which failures are VMfailValid and which are a VM-entry failure exit.
/// </summary>
public enum VmEntryCheck
{
    /// <summary>All checks pass (or no event is injected).</summary>
    Ok,

    /// <summary>Interruption type 1 is reserved (26.2.1.3).</summary>
    ReservedType,

    /// <summary>An injected NMI must use vector 2 (26.2.1.3).</summary>
    NmiVectorNot2,

    /// <summary>An injected hardware exception must use a vector of at most 31 (26.2.1.3).</summary>
    ExceptionVectorAbove31,

    /// <summary>A hardware exception that pushes an error code in protected mode must have deliver-error-code = 1 (26.2.1.3).</summary>
    ErrorCodeRequired,

    /// <summary>Deliver-error-code = 1 for an event that does not push an error code (26.2.1.3).</summary>
    ErrorCodeNotAllowed,

    /// <summary>Bits 31:16 of the VM-entry exception error code must be 0 when an error code is delivered (26.2.1.3).</summary>
    ErrorCodeReservedBits,

    /// <summary>Reserved bits 30:12 of the VM-entry interruption-information field must be 0 (26.2.1.3).</summary>
    ReservedBitsSet,

    /// <summary>Type 7 (other event) must use vector 0, a pending MTF VM exit (26.2.1.3).</summary>
    OtherVectorNotZero,

    /// <summary>Software interrupts and (privileged) software exceptions need an instruction length of 1-15 (26.2.1.3).</summary>
    InstructionLengthInvalid,

    /// <summary>An injected external interrupt requires guest RFLAGS.IF = 1 (26.3.1.4).</summary>
    InterruptWhileIfClear,

    /// <summary>An injected external interrupt requires no blocking by STI or MOV SS (26.3.1.5).</summary>
    InterruptInShadow,

    /// <summary>An injected NMI requires no blocking by MOV SS (and, on this model, none by STI) (26.3.1.5).</summary>
    NmiInShadow,

    /// <summary>With "virtual NMIs" = 1 an injected NMI requires no virtual-NMI blocking (26.3.1.5).</summary>
    NmiWhileVirtualNmiBlocked,

    /// <summary>"Virtual NMIs" = 1 requires "NMI exiting" = 1 (26.2.1.1).</summary>
    VirtualNmisWithoutNmiExiting,

    /// <summary>"NMI-window exiting" = 1 requires "virtual NMIs" = 1 (26.2.1.1).</summary>
    NmiWindowWithoutVirtualNmis,

    /// <summary>"Virtual-interrupt delivery" = 1 requires "external-interrupt exiting" = 1 (26.2.1.1).</summary>
    VirtualInterruptDeliveryWithoutExternalInterruptExiting,

    /// <summary>"Process posted interrupts" = 1 requires "virtual-interrupt delivery" = 1 (26.2.1.1).</summary>
    PostedInterruptsWithoutVirtualInterruptDelivery,

    /// <summary>"Process posted interrupts" = 1 requires the VM-exit control "acknowledge interrupt on exit" = 1 (26.2.1.1).</summary>
    PostedInterruptsWithoutAcknowledgeOnExit,
}
