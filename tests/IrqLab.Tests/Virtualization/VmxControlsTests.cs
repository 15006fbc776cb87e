using IrqLab.Virtualization;
using Xunit;

namespace IrqLab.Tests.Virtualization;

/// <summary>Event-related VM-execution control checks, SDM Vol. 3C 26.2.1.1.</summary>
public sealed class VmxControlsTests
{
    [Fact]
    public void Defaults_exit_on_interrupts_and_NMIs_and_pass()
    {
        var c = new VmxControls();
        Assert.True(c.ExternalInterruptExiting);
        Assert.True(c.NmiExiting);
        Assert.False(c.VirtualNmis || c.ProcessPostedInterrupts || c.AcknowledgeInterruptOnExit || c.InterruptWindowExiting
            || c.NmiWindowExiting || c.VirtualInterruptDelivery);
        Assert.Equal(0xF2, c.PostedInterruptNotificationVector); // POSTED_INTR_VECTOR, irq_vectors.h
        Assert.Equal(VmEntryCheck.Ok, c.ValidateForEntry());
    }

    [Theory]
    // extIntExit, nmiExit, vnmi, pi, ack, nmiWindow, vid, expected
    [InlineData(true, false, true, false, false, false, false, VmEntryCheck.VirtualNmisWithoutNmiExiting)]       // NMI exiting 0 -> virtual NMIs 0
    [InlineData(true, true, false, false, false, true, false, VmEntryCheck.NmiWindowWithoutVirtualNmis)]         // virtual NMIs 0 -> NMI-window exiting 0
    [InlineData(true, true, true, false, false, true, false, VmEntryCheck.Ok)]                                   // KVM with vnmi: NMI window allowed
    [InlineData(false, true, false, false, false, false, true, VmEntryCheck.VirtualInterruptDeliveryWithoutExternalInterruptExiting)]
    [InlineData(true, true, false, true, true, false, false, VmEntryCheck.PostedInterruptsWithoutVirtualInterruptDelivery)]
    [InlineData(true, true, false, true, false, false, true, VmEntryCheck.PostedInterruptsWithoutAcknowledgeOnExit)]
    [InlineData(false, true, false, true, true, false, true, VmEntryCheck.VirtualInterruptDeliveryWithoutExternalInterruptExiting)] // PI needs ext-int exiting via VID
    [InlineData(true, true, true, true, true, true, true, VmEntryCheck.Ok)]                                      // full APICv configuration (KVM)
    public void Entry_checks_on_event_controls_SDM_26_2_1_1(bool extInt, bool nmiExit, bool vnmi, bool pi, bool ack,
        bool nmiWindow, bool vid, VmEntryCheck expected)
    {
        var c = new VmxControls
        {
            ExternalInterruptExiting = extInt,
            NmiExiting = nmiExit,
            VirtualNmis = vnmi,
            ProcessPostedInterrupts = pi,
            AcknowledgeInterruptOnExit = ack,
            NmiWindowExiting = nmiWindow,
            VirtualInterruptDelivery = vid,
        };
        var result = c.ValidateForEntry();
        Assert.Equal(expected, result);
        Assert.Equal(expected != VmEntryCheck.Ok, VmEntryInjection.IsVmFail(result));
    }
}
