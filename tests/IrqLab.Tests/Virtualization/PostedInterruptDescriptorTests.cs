using IrqLab.Virtualization;
using Xunit;

namespace IrqLab.Tests.Virtualization;

/// <summary>Posted-interrupt descriptor: arch/x86/include/asm/posted_intr.h, KVM vmx_deliver_posted_interrupt
/// (arch/x86/kvm/vmx/vmx.c), SDM Vol. 3C 29.6.</summary>
public sealed class PostedInterruptDescriptorTests
{
    [Theory]
    // ON before, SN, PIR bit already set, expected, ON after
    [InlineData(false, false, false, PostResult.NotificationNeeded, true)] // running vCPU: ON newly set, SN=0 -> send NV to NDST
    [InlineData(true, false, false, PostResult.Posted, true)]              // pi_test_and_set_on returned 1: notification already pending
    [InlineData(false, true, false, PostResult.Posted, false)]             // SN=1: suppressed, ON untouched (VT-d; KVM vmx_vcpu_pi_put)
    [InlineData(true, true, false, PostResult.Posted, true)]
    [InlineData(false, false, true, PostResult.Coalesced, false)]          // pi_test_and_set_pir returned 1: merged
    [InlineData(true, false, true, PostResult.Coalesced, true)]
    public void Post_follows_vmx_deliver_posted_interrupt(bool onBefore, bool sn, bool pirSet, PostResult expected, bool onAfter)
    {
        var pi = new PostedInterruptDescriptor();
        if (pirSet)
        {
            pi.Sn = true;             // pre-set PIR without touching ON
            pi.Post(0x41);
            pi.Sn = false;
        }

        if (onBefore)
        {
            pi.Post(0x99);            // sets ON
        }

        pi.Sn = sn;
        var countBefore = pi.PendingCount;
        Assert.Equal(expected, pi.Post(0x41));
        Assert.Equal(onAfter, pi.On);
        Assert.True(pi.IsPirSet(0x41));
        Assert.Equal(expected == PostResult.Coalesced ? countBefore : countBefore + 1, pi.PendingCount);
        Assert.Equal(expected == PostResult.Coalesced ? 1 : 0, pi.CoalescedCount);
    }

    [Fact]
    public void Second_vector_while_ON_set_needs_no_second_notification_vmx_c()
    {
        var pi = new PostedInterruptDescriptor { Nv = 0xF2, Ndst = 3 << 8 };
        Assert.Equal(PostResult.NotificationNeeded, pi.Post(0x30));
        Assert.Equal(PostResult.Posted, pi.Post(0x31));
        Assert.Equal(2, pi.PendingCount);
        Assert.Equal(0xF2, pi.Nv);
        Assert.Equal(0x300u, pi.Ndst);
    }

    [Fact]
    public void HarvestInto_clears_ON_moves_PIR_to_VIRR_and_sets_RVI_SDM_29_6_steps_2_4_5()
    {
        var pi = new PostedInterruptDescriptor();
        var vapic = new VirtualApic();
        vapic.SetVirr(0x35);
        pi.Post(0x31);
        pi.Post(0x80);
        pi.Post(0xFE);
        Assert.True(pi.On);

        Assert.Equal(3, pi.HarvestInto(vapic));

        Assert.False(pi.On);
        Assert.Equal(0, pi.PendingCount);
        Assert.False(pi.IsPirSet(0x80));
        Assert.Equal([0x31, 0x35, 0x80, 0xFE], vapic.VirrToArray());
        Assert.Equal(0xFE, vapic.Rvi);
        // After the harvest a new post needs a fresh notification.
        Assert.Equal(PostResult.NotificationNeeded, pi.Post(0x40));
    }

    [Fact]
    public void HarvestInto_merges_a_vector_already_pending_in_VIRR_and_counts_it()
    {
        var pi = new PostedInterruptDescriptor();
        var vapic = new VirtualApic();
        vapic.SetVirr(0x50);
        pi.Post(0x50);
        Assert.Equal(1, pi.HarvestInto(vapic));
        Assert.Equal([0x50], vapic.VirrToArray());
        Assert.Equal(1, vapic.CoalescedCount);
    }

    [Fact]
    public void HarvestInto_keeps_RVI_when_posted_vectors_are_lower_max_rule()
    {
        var pi = new PostedInterruptDescriptor();
        var vapic = new VirtualApic();
        vapic.SetVirr(0xE0);
        pi.Post(0x22);
        pi.HarvestInto(vapic);
        Assert.Equal(0xE0, vapic.Rvi);
    }

    [Fact]
    public void Clearing_SN_with_pending_PIR_sets_ON_vmx_vcpu_pi_load()
    {
        var pi = new PostedInterruptDescriptor { Sn = true };
        Assert.Equal(PostResult.Posted, pi.Post(0x33));
        Assert.False(pi.On);
        Assert.True(pi.ClearSuppressNotification());
        Assert.False(pi.Sn);
        Assert.True(pi.On);
        Assert.False(pi.ClearSuppressNotification()); // already ON

        var empty = new PostedInterruptDescriptor { Sn = true };
        Assert.False(empty.ClearSuppressNotification());
        Assert.False(empty.On);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(256)]
    public void Vectors_outside_0_255_are_programmer_errors(int vector)
    {
        var pi = new PostedInterruptDescriptor();
        Assert.Throws<ArgumentOutOfRangeException>(() => pi.Post(vector));
        Assert.Throws<ArgumentOutOfRangeException>(() => pi.IsPirSet(vector));
    }
}
