using IrqLab.Virtualization;
using Xunit;

namespace IrqLab.Tests.Virtualization;

/// <summary>Interruptibility state (VMCS 0x4824, SDM Vol. 3C 24.4.2 Table 24-3) and the interrupt / NMI windows
/// (SDM 25.2; KVM vmx_interrupt_blocked, vmx_nmi_blocked in arch/x86/kvm/vmx/vmx.c).</summary>
public sealed class GuestInterruptibilityTests
{
    [Theory]
    // IF, field, STI, MOV SS, NMI, interrupt window open, NMI window open
    [InlineData(true, 0x0u, false, false, false, true, true)]
    [InlineData(false, 0x0u, false, false, false, false, true)]   // IF masks only INTR
    [InlineData(true, 0x1u, true, false, false, false, false)]    // bit 0 STI shadow
    [InlineData(true, 0x2u, false, true, false, false, false)]    // bit 1 MOV-SS shadow
    [InlineData(true, 0x8u, false, false, true, true, false)]     // bit 3 (virtual-)NMI blocking
    [InlineData(true, 0x4u, false, false, false, true, true)]     // bit 2 SMI blocking is not modelled
    public void Fields_and_windows_SDM_24_4_2_and_25_2(bool rflagsIf, uint field, bool sti, bool movSs, bool nmi,
        bool interruptWindow, bool nmiWindow)
    {
        var g = GuestInterruptibility.FromFields(rflagsIf, field);
        Assert.Equal(new GuestInterruptibility(rflagsIf, sti, movSs, nmi), g);
        Assert.Equal(field & 0xBu, g.InterruptibilityState);
        Assert.Equal(interruptWindow, g.InterruptWindowOpen);
        Assert.Equal(nmiWindow, g.NmiWindowOpen);
    }

    [Theory]
    [InlineData(true, 0xF2, 0xF2, true)]    // POSTED_INTR_VECTOR with PI on: processed without exit (SDM 29.6)
    [InlineData(true, 0xF2, 0xEC, false)]   // any other vector: external-interrupt exit
    [InlineData(false, 0xF2, 0xF2, false)]  // PI off: the notification vector is an ordinary interrupt
    public void Notification_vector_is_recognised_only_with_posted_interrupts_SDM_29_6(bool pi, byte nv, int vector, bool expected)
    {
        var c = new VmxControls { ProcessPostedInterrupts = pi, PostedInterruptNotificationVector = nv };
        Assert.Equal(expected, c.IsPostedInterruptNotification(vector));
    }
}
