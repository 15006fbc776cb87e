using IrqLab.Virtualization;
using Xunit;

namespace IrqLab.Tests.Virtualization;

/// <summary>APIC virtualization with virtual-interrupt delivery, SDM Vol. 3C 29.1.2-29.1.5, 29.2.1, 29.2.2.</summary>
public sealed class VirtualApicTests
{
    [Theory]
    // VTPR, pending vector, deliverable (RVI[7:4] > VPPR[7:4], 29.2.1)
    [InlineData(0x00, 0x31, true)]
    [InlineData(0x20, 0x31, true)]   // class 3 > class 2
    [InlineData(0x30, 0x3F, false)]  // same class is not enough
    [InlineData(0x40, 0x31, false)]  // VTPR masks the class
    [InlineData(0xF0, 0xFF, false)]
    [InlineData(0x00, 0x0F, false)]  // class 0 never beats VPPR
    public void Evaluation_compares_RVI_class_with_VPPR_class_SDM_29_2_1(byte vtpr, int vector, bool deliverable)
    {
        var vapic = new VirtualApic { Vtpr = vtpr };
        vapic.SetVirr(vector);
        Assert.Equal(vector, vapic.Rvi);
        Assert.Equal(deliverable, vapic.HasDeliverable);
        Assert.Equal(deliverable ? vector : -1, vapic.Deliver());
    }

    [Theory]
    // VTPR, in-service vector (0 = none), expected VPPR (29.1.3)
    [InlineData(0x00, 0, 0x00)]
    [InlineData(0x25, 0, 0x25)]      // VTPR kept whole, low bits included
    [InlineData(0x25, 0x41, 0x40)]   // SVI class wins: SVI & 0xF0
    [InlineData(0x45, 0x41, 0x45)]   // VTPR[7:4] >= SVI[7:4]: VTPR
    [InlineData(0x50, 0x41, 0x50)]
    public void PPR_virtualization_SDM_29_1_3(byte vtpr, int inService, int vppr)
    {
        var vapic = new VirtualApic();
        if (inService != 0)
        {
            vapic.SetVirr(inService);
            Assert.Equal(inService, vapic.Deliver());
        }

        vapic.Vtpr = vtpr;
        Assert.Equal(vppr, vapic.Vppr);
    }

    [Fact]
    public void Delivery_moves_VIRR_to_VISR_and_updates_SVI_VPPR_RVI_SDM_29_2_2()
    {
        var vapic = new VirtualApic();
        vapic.SetVirr(0x31);
        vapic.SetVirr(0x62);
        Assert.Equal(0x62, vapic.Deliver());
        Assert.True(vapic.IsVisrSet(0x62));
        Assert.False(vapic.IsVirrSet(0x62));
        Assert.Equal(0x62, vapic.Svi);
        Assert.Equal(0x60, vapic.Vppr);
        Assert.Equal(0x31, vapic.Rvi);          // highest remaining VIRR
        Assert.False(vapic.HasDeliverable);     // class 3 < class 6
        Assert.Equal(-1, vapic.Deliver());
    }

    [Fact]
    public void Higher_class_nests_over_an_in_service_vector_and_lower_waits_SDM_29_2()
    {
        var vapic = new VirtualApic();
        vapic.SetVirr(0x40);
        Assert.Equal(0x40, vapic.Deliver());
        vapic.SetVirr(0x80);                    // higher class: nests
        Assert.Equal(0x80, vapic.Deliver());
        Assert.Equal([0x40, 0x80], vapic.VisrToArray());
        Assert.Equal(0x80, vapic.Svi);
        vapic.SetVirr(0x45);                    // below the in-service class
        Assert.False(vapic.HasDeliverable);

        Assert.Equal(new EoiOutcome(0x80, false), vapic.VirtualEoi());
        Assert.Equal(0x40, vapic.Svi);
        Assert.Equal(0x40, vapic.Vppr);
        Assert.False(vapic.HasDeliverable);     // 0x45 is in the same class as 0x40

        Assert.Equal(new EoiOutcome(0x40, false), vapic.VirtualEoi());
        Assert.Equal(0, vapic.Svi);
        Assert.Equal(0, vapic.Vppr);
        Assert.True(vapic.HasDeliverable);
        Assert.Equal(0x45, vapic.Deliver());
    }

    [Fact]
    public void Virtual_EOI_retires_the_highest_VISR_vector_first_SDM_29_1_4()
    {
        var vapic = new VirtualApic();
        foreach (var v in new[] { 0x30, 0x50, 0x70 })
        {
            vapic.SetVirr(v);
            Assert.Equal(v, vapic.Deliver());
        }

        Assert.Equal(0x70, vapic.VirtualEoi().Vector);
        Assert.Equal(0x50, vapic.VirtualEoi().Vector);
        Assert.Equal(0x30, vapic.VirtualEoi().Vector);
        Assert.Empty(vapic.VisrToArray());
        Assert.Equal(0, vapic.Svi);
    }

    [Fact]
    public void EOI_exit_bitmap_bit_turns_virtual_EOI_into_EOI_INDUCED_SDM_29_1_4()
    {
        var vapic = new VirtualApic();
        vapic.SetEoiExitBitmap(0x61, true);       // e.g. level-triggered IOAPIC vector (KVM vmx_load_eoi_exitmap)
        Assert.True(vapic.IsEoiExitSet(0x61));
        vapic.SetVirr(0x61);
        vapic.Deliver();
        var outcome = vapic.VirtualEoi();
        Assert.Equal(new EoiOutcome(0x61, true), outcome);
        Assert.Equal(VmExitReasons.EoiInduced, outcome.ExitReason);
        Assert.Equal("EOI_INDUCED", VmExitReasons.Name(outcome.ExitReason));
        Assert.False(vapic.IsVisrSet(0x61));      // VISR cleared before the exit

        vapic.SetEoiExitBitmap(0x61, false);
        Assert.False(vapic.IsEoiExitSet(0x61));
        vapic.SetVirr(0x61);
        vapic.Deliver();
        Assert.Equal(-1, vapic.VirtualEoi().ExitReason);
    }

    [Fact]
    public void Virtual_EOI_with_empty_VISR_uses_SVI_0_literally_SDM_29_1_4()
    {
        var vapic = new VirtualApic();
        Assert.Equal(new EoiOutcome(0, false), vapic.VirtualEoi());
    }

    [Fact]
    public void Repeated_request_coalesces_in_VIRR_self_IPI_virtualization_SDM_29_1_5()
    {
        var vapic = new VirtualApic();
        vapic.SetVirr(0x90);
        vapic.SetVirr(0x90);
        Assert.Equal([0x90], vapic.VirrToArray());
        Assert.Equal(1, vapic.CoalescedCount);
        vapic.SetVirr(0x20);                  // lower request does not lower RVI
        Assert.Equal(0x90, vapic.Rvi);
    }

    [Fact]
    public void Same_vector_may_be_pending_and_in_service_at_once()
    {
        var vapic = new VirtualApic();
        vapic.SetVirr(0x70);
        vapic.Deliver();
        vapic.SetVirr(0x70);
        Assert.True(vapic.IsVirrSet(0x70));
        Assert.True(vapic.IsVisrSet(0x70));
        Assert.False(vapic.HasDeliverable);
        vapic.VirtualEoi();
        Assert.Equal(0x70, vapic.Deliver());
    }

    [Fact]
    public void Raising_VTPR_blocks_and_lowering_it_unblocks_TPR_virtualization_SDM_29_1_2()
    {
        var vapic = new VirtualApic();
        vapic.SetVirr(0x55);
        vapic.Vtpr = 0x60;
        Assert.Equal(0x60, vapic.Vppr);
        Assert.False(vapic.HasDeliverable);
        vapic.Vtpr = 0x40;
        Assert.True(vapic.HasDeliverable);
    }
}
