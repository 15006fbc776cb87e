using IrqLab.Virtualization;
using Xunit;
using IrqLab.Delivery;

namespace IrqLab.Tests.Virtualization;

/// <summary>Hot-path state methods allocate nothing (ARCHITECTURE.md design rules).</summary>
public sealed class AllocationTests
{
    [Fact]
    public void Post_harvest_deliver_eoi_and_entry_checks_allocate_nothing()
    {
        var pi = new PostedInterruptDescriptor();
        var vapic = new VirtualApic();
        var idt = new IdtVectoringInfo();
        var controls = new VmxControls { VirtualInterruptDelivery = true, ProcessPostedInterrupts = true, AcknowledgeInterruptOnExit = true };
        var guest = new GuestInterruptibility(true, false, false, false);
        vapic.SetEoiExitBitmap(0x41, true);
        RunOnce(pi, vapic, idt, controls, in guest); // warm up (JIT)

        Assert.Equal(0, AllocationMeter.LeastPerRound(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                RunOnce(pi, vapic, idt, controls, in guest);
            }
        }));
    }

    private static int RunOnce(PostedInterruptDescriptor pi, VirtualApic vapic, IdtVectoringInfo idt, VmxControls controls,
        in GuestInterruptibility guest)
    {
        var n = 0;
        pi.Post(0x41);
        pi.Post(0x41);
        pi.Post(0xEC);
        n += pi.HarvestInto(vapic);
        vapic.SetVirr(0x30);
        vapic.Vtpr = 0x10;
        while (vapic.HasDeliverable)
        {
            n += vapic.Deliver();
        }

        n += vapic.VirtualEoi().Vector + vapic.VirtualEoi().Vector;
        vapic.Vtpr = 0;
        while (vapic.HasDeliverable)
        {
            n += vapic.Deliver();
        }

        n += vapic.VirtualEoi().Vector;
        var info = InterruptionInfo.Create(EventType.HardwareException, 14, true);
        n += (int)VmEntryInjection.Check(info, 2, 0, in guest, true);
        n += (int)controls.ValidateForEntry();
        idt.Record(info, 2);
        n += idt.TryTakeForReinjection(out var again, out _) ? again.Vector : 0;
        n += pi.PendingCount + vapic.VirrCount + vapic.VisrCount + vapic.Rvi + vapic.Svi + vapic.Vppr;
        return n;
    }
}
