namespace IrqLab.Virtualization;

/// <summary>
/// The guest state that VM-entry event injection is checked against: RFLAGS.IF and the guest
/// interruptibility-state field (VMCS 0x4824; bit 0 blocking by STI, bit 1 blocking by MOV SS, bit 3 blocking by NMI,
/// which is virtual-NMI blocking when "virtual NMIs" = 1; SDM 24.4.2 Table 24-3).
/// </summary>
/// <param name="If">RFLAGS.IF (bit 9).</param>
/// <param name="BlockingBySti">Interruptibility bit 0: the STI shadow.</param>
/// <param name="BlockingByMovSs">Interruptibility bit 1: the MOV SS / POP SS shadow.</param>
/// <param name="BlockingByNmi">Interruptibility bit 3: (virtual-)NMI blocking.</param>
public readonly record struct GuestInterruptibility(bool If, bool BlockingBySti, bool BlockingByMovSs, bool BlockingByNmi)
{
    /// <summary>Interruptibility-state bit 0 (<c>GUEST_INTR_STATE_STI</c>).</summary>
    public const uint StiBit = 0x1;

    /// <summary>Interruptibility-state bit 1 (<c>GUEST_INTR_STATE_MOV_SS</c>).</summary>
    public const uint MovSsBit = 0x2;

    /// <summary>Interruptibility-state bit 3 (<c>GUEST_INTR_STATE_NMI</c>).</summary>
    public const uint NmiBit = 0x8;

    /// <summary>The interruptibility-state field value (bits 0, 1 and 3; SMI and enclave bits are not modelled).</summary>
    public uint InterruptibilityState =>
        (BlockingBySti ? StiBit : 0) | (BlockingByMovSs ? MovSsBit : 0) | (BlockingByNmi ? NmiBit : 0);

    /// <summary>
    /// The guest can take a maskable interrupt now: RFLAGS.IF = 1 and no STI/MOV-SS blocking. This opens the
    /// interrupt window (exit 7 with interrupt-window exiting, SDM 25.2) and allows virtual-interrupt delivery (29.2.2);
    /// KVM <c>vmx_interrupt_blocked</c> is its negation.
    /// </summary>
    public bool InterruptWindowOpen => If && !BlockingBySti && !BlockingByMovSs;

    /// <summary>
    /// The guest can take an NMI now: no (virtual-)NMI blocking and no MOV-SS or STI blocking. This opens the NMI
    /// window (exit 8 with NMI-window exiting, SDM 25.2; STI blocking holding it off is model-specific); KVM
    /// <c>vmx_nmi_blocked</c> is its negation.
    /// </summary>
    public bool NmiWindowOpen => !BlockingByNmi && !BlockingByMovSs && !BlockingBySti;

    /// <summary>Builds the value from RFLAGS.IF and a raw interruptibility-state field.</summary>
    public static GuestInterruptibility FromFields(bool rflagsIf, uint interruptibilityState) =>
        new(rflagsIf, (interruptibilityState & StiBit) != 0, (interruptibilityState & MovSsBit) != 0,
            (interruptibilityState & NmiBit) != 0);
}
