namespace IrqLab.Virtualization;

/// <summary>
/// The VMX controls that decide what happens to interrupts and NMIs while a guest runs (pin-based, processor-based,
/// secondary and VM-exit controls; SDM 24.6.1, 24.6.2, 24.7.1; bit positions in Linux <c>arch/x86/include/asm/vmx.h</c>).
/// The defaults are those of a VMM without APICv: external interrupts and NMIs exit.
/// </summary>
public sealed record VmxControls
{
    /// <summary>Pin-based bit 0 (<c>PIN_BASED_EXT_INTR_MASK</c>): external interrupts cause exit reason 1.</summary>
    public bool ExternalInterruptExiting { get; init; } = true;

    /// <summary>Pin-based bit 3 (<c>PIN_BASED_NMI_EXITING</c>): NMIs cause exit reason 0.</summary>
    public bool NmiExiting { get; init; } = true;

    /// <summary>Pin-based bit 5 (<c>PIN_BASED_VIRTUAL_NMIS</c>): blocking-by-NMI tracks virtual-NMI blocking.</summary>
    public bool VirtualNmis { get; init; }

    /// <summary>Pin-based bit 7 (<c>PIN_BASED_POSTED_INTR</c>): the notification vector triggers posted-interrupt processing.</summary>
    public bool ProcessPostedInterrupts { get; init; }

    /// <summary>VM-exit bit 15 (<c>VM_EXIT_ACK_INTR_ON_EXIT</c>): the exit acknowledges the LAPIC and records the vector.</summary>
    public bool AcknowledgeInterruptOnExit { get; init; }

    /// <summary>Processor-based bit 2 (<c>CPU_BASED_INTR_WINDOW_EXITING</c>): exit 7 when the guest can take an interrupt.</summary>
    public bool InterruptWindowExiting { get; init; }

    /// <summary>Processor-based bit 22 (<c>CPU_BASED_NMI_WINDOW_EXITING</c>): exit 8 when virtual NMIs are unblocked.</summary>
    public bool NmiWindowExiting { get; init; }

    /// <summary>Secondary bit 9 (<c>SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY</c>): virtual-interrupt delivery through RVI/SVI.</summary>
    public bool VirtualInterruptDelivery { get; init; }

    /// <summary>The posted-interrupt notification vector (VMCS 0x0002); Linux uses <c>POSTED_INTR_VECTOR</c> 0xf2.</summary>
    public byte PostedInterruptNotificationVector { get; init; } = 0xF2;

    /// <summary>
    /// Whether an external interrupt with physical <paramref name="vector"/>, arriving while the guest runs, is a
    /// posted-interrupt notification that is processed without a VM exit (SDM 29.6: "process posted interrupts" = 1 and
    /// the acknowledged vector equals the notification vector); any other vector causes an external-interrupt exit
    /// when <see cref="ExternalInterruptExiting"/> is set.
    /// </summary>
    public bool IsPostedInterruptNotification(int vector) =>
        ProcessPostedInterrupts && vector == PostedInterruptNotificationVector;

    /// <summary>
    /// The VM-entry checks on these controls that concern events (SDM 26.2.1.1), in SDM order: virtual NMIs need NMI
    /// exiting; NMI-window exiting needs virtual NMIs; virtual-interrupt delivery needs external-interrupt exiting;
    /// posted interrupts need virtual-interrupt delivery (hence external-interrupt exiting) and acknowledge interrupt on
    /// exit. Every failure here is a VMfail (<see cref="VmEntryInjection.IsVmFail"/>). The notification vector is a
    /// byte, so its "bits 15:8 are 0" check cannot fail.
    /// </summary>
    public VmEntryCheck ValidateForEntry()
    {
        if (VirtualNmis && !NmiExiting)
        {
            return VmEntryCheck.VirtualNmisWithoutNmiExiting;
        }

        if (NmiWindowExiting && !VirtualNmis)
        {
            return VmEntryCheck.NmiWindowWithoutVirtualNmis;
        }

        if (VirtualInterruptDelivery && !ExternalInterruptExiting)
        {
            return VmEntryCheck.VirtualInterruptDeliveryWithoutExternalInterruptExiting;
        }

        if (ProcessPostedInterrupts)
        {
            if (!VirtualInterruptDelivery)
            {
                return VmEntryCheck.PostedInterruptsWithoutVirtualInterruptDelivery;
            }

            if (!AcknowledgeInterruptOnExit)
            {
                return VmEntryCheck.PostedInterruptsWithoutAcknowledgeOnExit;
            }
        }

        return VmEntryCheck.Ok;
    }
}
