using IrqLab.Hardware;
using IrqLab.Hardware.IoApic;
using Xunit;
using IoApicDevice = IrqLab.Hardware.IoApic.IoApic;

namespace IrqLab.Tests.Hardware.IoApic;

/// <summary>Edge/level semantics: shared/reference/x86-events.md §4.3, QEMU ioapic_set_irq/ioapic_service/ioapic_eoi_broadcast, KVM ioapic.c.</summary>
public sealed class IoApicDeliveryTests
{
    private const int Pin = 14;

    private static (IoApicDevice IoApic, MessageRecorder Sink) Create(byte version = 0x20)
    {
        var sink = new MessageRecorder();
        return (new IoApicDevice(0, 24, sink, version), sink);
    }

    private static ulong Edge(byte vector, bool masked = false, bool activeLow = false) =>
        RedirectionEntry.Create(vector, destination: 1, activeLow: activeLow, masked: masked).Raw;

    private static ulong Level(byte vector, bool masked = false, bool activeLow = false) =>
        RedirectionEntry.Create(vector, destination: 1, triggerMode: TriggerMode.Level, activeLow: activeLow, masked: masked).Raw;

    private static void AssertConserved(IoApicDevice ioApic) =>
        Assert.Equal(
            ioApic.AssertionCount,
            ioApic.DeliveredCount - ioApic.RedeliveredCount + ioApic.CoalescedCount + ioApic.MaskedCount
                + ioApic.RejectedCount + ioApic.WithdrawnCount + ioApic.PendingCount);

    [Fact]
    public void Edge_assertion_sends_one_edge_message_per_rising_edge_reference_4_3()
    {
        var (ioApic, sink) = Create();
        ioApic.SetEntry(Pin, Edge(0x3E));
        ioApic.SetPinLevel(Pin, true);
        ioApic.SetPinLevel(Pin, true); // no new edge while held
        Assert.Equal(1, sink.Count);
        Assert.Equal(new InterruptMessage(0x3E, DeliveryMode.Fixed, DestinationMode.Physical, 1), sink.Last);
        ioApic.SetPinLevel(Pin, false);
        ioApic.PulsePin(Pin);
        Assert.Equal(2, sink.Count);
        Assert.False(ioApic.GetEntry(Pin).RemoteIrr);
        Assert.Equal(2, ioApic.DeliveredCount);
        AssertConserved(ioApic);
    }

    [Fact]
    public void Edge_on_a_masked_pin_is_dropped_82093AA_via_QEMU_ioapic_set_irq()
    {
        var (ioApic, sink) = Create();
        ioApic.SetEntry(Pin, Edge(0x3E, masked: true));
        ioApic.PulsePin(Pin);
        ioApic.SetEntry(Pin, Edge(0x3E));
        Assert.Equal(0, sink.Count);
        Assert.Equal(1, ioApic.MaskedCount);
        AssertConserved(ioApic);
    }

    [Fact]
    public void Level_delivery_sets_remote_IRR_and_blocks_further_messages_until_EOI_reference_4_3()
    {
        var (ioApic, sink) = Create();
        ioApic.SetEntry(Pin, Level(0x41));
        ioApic.SetPinLevel(Pin, true); // asserted
        Assert.Equal(1, sink.Count);
        Assert.Equal(TriggerMode.Level, sink.Last.TriggerMode);
        Assert.True(ioApic.GetEntry(Pin).RemoteIrr);

        ioApic.SetPinLevel(Pin, false); // deassert
        ioApic.SetPinLevel(Pin, true); // assert again while remote IRR is set: coalesced
        Assert.Equal(1, sink.Count);
        Assert.Equal(1, ioApic.CoalescedCount);
        AssertConserved(ioApic);
    }

    [Fact]
    public void EOI_broadcast_clears_remote_IRR_of_matching_level_entries_only_QEMU_ioapic_eoi_broadcast()
    {
        var (ioApic, sink) = Create();
        ioApic.SetEntry(Pin, Level(0x41));
        ioApic.SetEntry(15, Level(0x42));
        ioApic.SetPinLevel(Pin, true);
        ioApic.SetPinLevel(15, true);
        ioApic.SetPinLevel(Pin, false);
        ioApic.SetPinLevel(15, false);
        ioApic.BroadcastEoi(0x42);
        Assert.True(ioApic.GetEntry(Pin).RemoteIrr);
        Assert.False(ioApic.GetEntry(15).RemoteIrr);
        ioApic.BroadcastEoi(0x41);
        Assert.False(ioApic.GetEntry(Pin).RemoteIrr);
        Assert.Equal(2, sink.Count); // lines were low: nothing re-sent
        AssertConserved(ioApic);
    }

    [Theory]
    [InlineData(0x20, true)]
    [InlineData(0x11, false)] // QEMU: explicit EOI is only supported for IOAPIC version 0x20
    public void EOI_register_at_0x40_clears_remote_IRR_on_version_0x20_only(byte version, bool cleared)
    {
        var (ioApic, _) = Create(version);
        ioApic.SetEntry(Pin, Level(0x41));
        ioApic.SetPinLevel(Pin, true);
        ioApic.SetPinLevel(Pin, false);
        var result = ioApic.WriteMmio(0x40, 0x41);
        Assert.Equal(cleared ? IoApicAccessResult.Ok : IoApicAccessResult.Ignored, result);
        Assert.Equal(!cleared, ioApic.GetEntry(Pin).RemoteIrr);
    }

    [Fact]
    public void Level_line_still_asserted_after_EOI_is_delivered_again_QEMU_ioapic_eoi_broadcast()
    {
        var (ioApic, sink) = Create();
        ioApic.SetEntry(Pin, Level(0x41));
        ioApic.SetPinLevel(Pin, true);
        ioApic.BroadcastEoi(0x41);
        Assert.Equal(2, sink.Count);
        Assert.True(ioApic.GetEntry(Pin).RemoteIrr);
        ioApic.WriteMmio(0x40, 0x41);
        Assert.Equal(3, sink.Count);
        Assert.Equal(2, ioApic.RedeliveredCount);
        AssertConserved(ioApic);
    }

    [Fact]
    public void Masked_level_line_stays_pending_and_is_delivered_on_unmask_reference_4_3()
    {
        var (ioApic, sink) = Create();
        ioApic.SetEntry(Pin, Level(0x41, masked: true));
        ioApic.SetPinLevel(Pin, true);
        Assert.Equal(0, sink.Count);
        Assert.Equal(1, ioApic.PendingCount);
        AssertConserved(ioApic);

        // Unmask by writing the low dword with bit 16 clear (as Linux unmask_ioapic_irq does).
        ioApic.WriteMmio(0x00, 0x10 + (2 * Pin));
        ioApic.ReadMmio(0x10, out uint low);
        ioApic.WriteMmio(0x10, low & ~0x0001_0000u);
        Assert.Equal(1, sink.Count);
        Assert.Equal(0x41, sink.Last.Vector);
        Assert.True(ioApic.GetEntry(Pin).RemoteIrr);
        Assert.Equal(0, ioApic.PendingCount);
        AssertConserved(ioApic);
    }

    [Fact]
    public void Masked_level_line_that_drops_before_unmask_is_withdrawn_not_delivered_QEMU_ioapic_set_irq()
    {
        var (ioApic, sink) = Create();
        ioApic.SetEntry(Pin, Level(0x41, masked: true));
        ioApic.SetPinLevel(Pin, true);
        ioApic.SetPinLevel(Pin, false);
        ioApic.SetEntry(Pin, Level(0x41));
        Assert.Equal(0, sink.Count);
        Assert.Equal(1, ioApic.WithdrawnCount);
        AssertConserved(ioApic);
    }

    [Theory]
    [InlineData(false, true, 1)]  // active high: high is asserted
    [InlineData(false, false, 0)]
    [InlineData(true, false, 1)]  // active low (KVM: irq_level ^= polarity)
    [InlineData(true, true, 0)]
    public void Polarity_bit_decides_which_electrical_level_asserts_reference_4_2(bool activeLow, bool high, int messages)
    {
        var (ioApic, sink) = Create();
        ioApic.SetPinLevel(Pin, !high);
        ioApic.SetEntry(Pin, Level(0x41, activeLow: activeLow));
        int before = sink.Count;
        ioApic.SetPinLevel(Pin, high);
        Assert.Equal(high ^ activeLow, ioApic.IsPinAsserted(Pin));
        Assert.Equal(messages, sink.Count - before);
    }

    [Fact]
    public void Active_low_line_resting_high_is_idle_and_low_asserts_PCI_INTx_reference_4_2()
    {
        var (ioApic, sink) = Create();
        ioApic.SetPinLevel(Pin, true); // resting level of a PCI INTx line
        ioApic.SetEntry(Pin, Level(0x41, activeLow: true));
        Assert.Equal(0, sink.Count);
        ioApic.SetPinLevel(Pin, false);
        Assert.Equal(1, sink.Count);
        AssertConserved(ioApic);
    }

    [Fact]
    public void Undriven_pin_rests_inactive_for_either_polarity_pulled_up_PCI_INTx()
    {
        var (ioApic, sink) = Create();
        ioApic.SetEntry(Pin, Level(0x41, activeLow: true));
        Assert.False(ioApic.IsPinAsserted(Pin));
        Assert.True(ioApic.IsPinHigh(Pin));
        Assert.Equal(0, sink.Count);
        ioApic.PulsePin(Pin); // drives low (asserted) then high
        Assert.Equal(1, sink.Count);
        AssertConserved(ioApic);
    }

    [Fact]
    public void Writing_an_RTE_as_edge_clears_remote_IRR_QEMU_ioapic_fix_edge_remote_irr()
    {
        var (ioApic, sink) = Create();
        ioApic.SetEntry(Pin, Level(0x41));
        ioApic.SetPinLevel(Pin, true);
        ioApic.SetEntry(Pin, Level(0x41, masked: true));
        ioApic.SetEntry(Pin, Edge(0x41, masked: true, activeLow: false));
        Assert.False(ioApic.GetEntry(Pin).RemoteIrr);
        ioApic.SetEntry(Pin, Level(0x41, masked: true));
        ioApic.SetEntry(Pin, Level(0x41));
        Assert.Equal(2, sink.Count); // line still asserted: Linux's EOI trick re-delivers
        AssertConserved(ioApic);
    }

    [Fact]
    public void NMI_and_ExtINT_entries_send_their_delivery_mode_reference_4_2()
    {
        var (ioApic, sink) = Create();
        ioApic.SetEntry(0, RedirectionEntry.Create(0, DeliveryMode.ExtInt).Raw);
        ioApic.SetEntry(1, RedirectionEntry.Create(0, DeliveryMode.Nmi, destination: 0xFF).Raw);
        ioApic.PulsePin(0);
        ioApic.PulsePin(1);
        Assert.Equal(DeliveryMode.ExtInt, sink.Messages[0].DeliveryMode);
        Assert.Equal(DeliveryMode.Nmi, sink.Messages[1].DeliveryMode);
        Assert.Equal(0xFFu, sink.Messages[1].Destination);
    }

    [Fact]
    public void Reserved_delivery_mode_entries_send_nothing_and_count_rejected_82093AA_3_2_4()
    {
        var (ioApic, sink) = Create();
        ioApic.SetEntry(Pin, 3UL << 8 | 0x41);
        ioApic.PulsePin(Pin);
        Assert.Equal(0, sink.Count);
        Assert.Equal(1, ioApic.RejectedCount);
        AssertConserved(ioApic);
    }

    [Fact]
    public void Delivery_status_reads_1_while_the_message_is_being_sent_82093AA_3_2_4()
    {
        var (ioApic, sink) = Create();
        bool seen = false;
        sink.OnDeliver = _ => seen = ioApic.GetEntry(Pin).DeliveryStatus;
        ioApic.SetEntry(Pin, Edge(0x3E));
        ioApic.PulsePin(Pin);
        Assert.True(seen);
        Assert.False(ioApic.GetEntry(Pin).DeliveryStatus);
    }

    [Fact]
    public void Edge_arriving_while_its_message_is_in_flight_is_coalesced_KVM_ioapic_set_irq_coalesced()
    {
        var (ioApic, sink) = Create();
        ioApic.SetEntry(Pin, Edge(0x3E));
        sink.OnDeliver = _ =>
        {
            if (sink.Count == 1)
            {
                ioApic.SetPinLevel(Pin, false);
                ioApic.SetPinLevel(Pin, true);
            }
        };
        ioApic.SetPinLevel(Pin, true);
        Assert.Equal(1, sink.Count);
        Assert.Equal(1, ioApic.CoalescedCount);
        AssertConserved(ioApic);
    }

    [Fact]
    public void Storm_of_EOIs_on_a_stuck_level_line_is_deferred_not_recursed_QEMU_SUCCESSIVE_IRQ_MAX_COUNT()
    {
        var (ioApic, sink) = Create();
        sink.OnDeliver = m => ioApic.BroadcastEoi(m.Vector); // a handler that never quiets its device
        ioApic.SetEntry(Pin, Level(0x41));
        ioApic.SetPinLevel(Pin, true);
        Assert.Equal(IoApicDevice.SuccessiveEoiLimit, sink.Count);
        Assert.True(ioApic.HasDeferred);
        Assert.False(ioApic.GetEntry(Pin).RemoteIrr);

        sink.OnDeliver = null;
        ioApic.ServiceDeferred();
        Assert.Equal(IoApicDevice.SuccessiveEoiLimit + 1, sink.Count);
        Assert.False(ioApic.HasDeferred);
        AssertConserved(ioApic);
    }

    /// <summary>
    /// 82093AA datasheet §3.2.4 (IOREDTBL delivery mode): NMI and INIT are "treated as an edge triggered interrupt,
    /// even if programmed" level; SMI and ExtINT require edge. Programmed level, they still send once per asserting
    /// edge and never set remote IRR (no EOI would clear it: they reach no ISR). Fixed and lowest priority stay level.
    /// </summary>
    [Theory]
    [InlineData(DeliveryMode.Nmi, 3, false)]
    [InlineData(DeliveryMode.Init, 3, false)]
    [InlineData(DeliveryMode.Smi, 3, false)]
    [InlineData(DeliveryMode.ExtInt, 3, false)]
    [InlineData(DeliveryMode.Fixed, 1, true)]
    [InlineData(DeliveryMode.LowestPriority, 1, true)]
    public void Only_fixed_and_lowest_priority_entries_are_level_sensitive_82093AA_3_2_4(DeliveryMode mode, int messages, bool remoteIrr)
    {
        var (ioApic, sink) = Create();
        ioApic.SetEntry(Pin, RedirectionEntry.Create(0x40, mode, destination: 1, triggerMode: TriggerMode.Level).Raw);
        for (var i = 0; i < 3; i++)
        {
            ioApic.SetPinLevel(Pin, true);
            ioApic.SetPinLevel(Pin, false);
        }

        Assert.Equal(messages, sink.Count);
        Assert.All(sink.Messages, m => Assert.Equal(mode, m.DeliveryMode));
        Assert.Equal(remoteIrr, ioApic.GetEntry(Pin).RemoteIrr);
        AssertConserved(ioApic);
    }
}
