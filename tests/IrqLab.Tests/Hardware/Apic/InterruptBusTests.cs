using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using Xunit;

namespace IrqLab.Tests.Hardware.Apic;

/// <summary>ICR sends and destination matching on the interrupt bus (SDM §11.6).</summary>
public sealed class InterruptBusTests
{
    private static int[] Receivers(LocalApic[] apics, int vector) =>
        apics.Where(a => a.Irr.IsSet(vector)).Select(a => a.Index).ToArray();

    [Theory]
    [InlineData(0x0_0000u, 2u, new[] { 2 })]          // no shorthand, physical
    [InlineData(0x4_0000u, 2u, new[] { 1 })]          // self (destination ignored)
    [InlineData(0x8_0000u, 2u, new[] { 0, 1, 2, 3 })] // all including self
    [InlineData(0xC_0000u, 2u, new[] { 0, 2, 3 })]    // all excluding self
    [InlineData(0x0_0000u, 0xFFu, new[] { 0, 1, 2, 3 })] // physical broadcast
    public void Icr_shorthands_SDM_11_6_1(uint shorthand, uint destination, int[] expected)
    {
        var (_, apics, bus) = FakeApicHost.Many(4);
        var sender = apics[1];
        sender.WriteMmio(0x310, destination << 24);
        Assert.Equal(ApicAccessResult.Ok, sender.WriteMmio(0x300, shorthand | 0x4000 | 0x51));
        Assert.Equal(expected, Receivers(apics, 0x51));

        // One acceptance for each APIC the message reached (the engine's measure of a zero-time storm's fan-out).
        Assert.Equal(expected.Length, bus.AcceptedCount);
    }

    [Theory]
    [InlineData(0x4_0000u, 0u, new[] { 1 })]          // self, sender's ID rewritten to CPU 0's
    [InlineData(0xC_0000u, 0u, new[] { 0, 2, 3 })]    // all excluding self
    [InlineData(0x4_0000u, 3u, new[] { 1 })]
    [InlineData(0xC_0000u, 3u, new[] { 0, 2, 3 })]
    [InlineData(0x8_0000u, 0u, new[] { 0, 1, 2, 3 })] // all including self
    public void Self_shorthands_name_the_issuing_APIC_not_its_ID_SDM_11_6_1_KVM_kvm_apic_match_dest(uint shorthand, uint newId, int[] expected)
    {
        // The xAPIC ID is writable (SDM §11.4.6) and software may give two APICs the same one; "self" is still the
        // issuing APIC and "all excluding self" still every other one (KVM compares target with source, not IDs).
        var (_, apics, _) = FakeApicHost.Many(4);
        var sender = apics[1];
        Assert.Equal(ApicAccessResult.Ok, sender.WriteMmio(0x20, newId << 24));
        Assert.Equal(ApicAccessResult.Ok, sender.WriteMmio(0x300, shorthand | 0x4000 | 0x51));
        Assert.Equal(expected, Receivers(apics, 0x51));
    }

    [Theory]
    [InlineData(0x4_0000UL, 2u, new[] { 1 })]
    [InlineData(0x8_0000UL, 2u, new[] { 0, 1, 2, 3 })]
    [InlineData(0xC_0000UL, 2u, new[] { 0, 2, 3 })]
    [InlineData(0x0UL, 0xFFFF_FFFFu, new[] { 0, 1, 2, 3 })]
    [InlineData(0x0UL, 0xFFu, new int[0])] // 0xFF is an ordinary x2APIC ID for IPIs
    public void X2Apic_icr_shorthands_and_broadcast_SDM_11_12_9(ulong shorthand, uint destination, int[] expected)
    {
        var (_, apics, bus) = FakeApicHost.Many(4, x2Apic: true);
        Assert.Equal(ApicAccessResult.Ok, apics[1].WriteMsr(0x830, ((ulong)destination << 32) | shorthand | 0x51));
        Assert.Equal(expected, Receivers(apics, 0x51));
        Assert.Equal(expected.Length == 0 ? 1 : 0, bus.UndeliveredCount);
        Assert.Equal(expected.Length, bus.AcceptedCount);
    }

    [Theory]
    [InlineData(0x4_0400u, "NMI:1")]                   // self + NMI
    [InlineData(0x4_0200u, "SMI:1")]                   // self + SMI
    [InlineData(0x8_0400u, "NMI:0,NMI:1,NMI:2")]       // all including self + NMI
    [InlineData(0x8_0500u, "INIT:0,INIT:1,INIT:2")]    // all including self + INIT
    public void Icr_shorthand_and_mode_combinations_the_SDM_marks_invalid_are_sent_as_KVM_sends_them(uint icrLow, string signals)
    {
        // SDM Vol. 3A Table 11-3 marks self / all-including-self with NMI, SMI, INIT or SIPI invalid, and the P6 table's
        // note says the APIC's behaviour is then undefined. KVM kvm_apic_send_ipi applies no such filter: the message
        // reaches every APIC the shorthand selects, the sender included.
        var (host, apics, _) = FakeApicHost.Many(3);
        Assert.Equal(ApicAccessResult.Ok, apics[1].WriteMmio(0x300, icrLow | 0x4000));
        Assert.Equal(signals, string.Join(",", host.Signals));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Level_triggered_fixed_IPI_goes_out_edge_triggered_SDM_table_11_3_note_2(bool x2Apic)
    {
        // Pentium 4 and later: "if the trigger mode bit is 1 (Level), the local xAPIC will override the bit setting and
        // issue the interrupt as an edge triggered interrupt" — no TMR bit, so no EOI broadcast.
        var (host, apics, _) = FakeApicHost.Many(2, x2Apic);
        const uint low = 0xC000 | 0x61; // level, assert, fixed, vector 0x61
        var result = x2Apic ? apics[0].WriteMsr(0x830, (1UL << 32) | low) : WriteXapicIcr(apics[0], 1, low);
        Assert.Equal(ApicAccessResult.Ok, result);
        Assert.True(apics[1].Irr.IsSet(0x61));
        Assert.False(apics[1].Tmr.IsSet(0x61));
        Assert.Equal(0x61, apics[1].Acknowledge());
        apics[1].Eoi();
        Assert.Empty(host.BroadcastEois);
    }

    private static ApicAccessResult WriteXapicIcr(LocalApic apic, uint destination, uint low)
    {
        apic.WriteMmio(0x310, destination << 24);
        return apic.WriteMmio(0x300, low);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Self_ipi_reaches_only_the_sender_SDM_11_12_11(bool x2Apic)
    {
        var (host, apics, _) = FakeApicHost.Many(3, x2Apic);
        var result = x2Apic ? apics[2].WriteMsr(0x83F, 0x61) : apics[2].WriteMmio(0x300, 0x4_4061);
        Assert.Equal(ApicAccessResult.Ok, result);
        Assert.Equal([2], Receivers(apics, 0x61));
        var sent = Assert.Single(host.Sent);
        Assert.Equal(DestinationShorthand.Self, sent.Shorthand);
        Assert.Equal(2, sent.SourceApicId);
        Assert.True(apics[2].HasInterrupt);
    }

    [Theory]
    [InlineData(0x01u, new[] { 0 })]
    [InlineData(0x05u, new[] { 0, 2 })]
    [InlineData(0x0Eu, new[] { 1, 2, 3 })]
    [InlineData(0xFFu, new[] { 0, 1, 2, 3 })]
    [InlineData(0x10u, new int[0])]
    public void Logical_flat_model_SDM_11_6_2_2(uint mda, int[] expected)
    {
        var (_, apics, bus) = FakeApicHost.Many(4);
        for (var i = 0; i < 4; i++)
        {
            apics[i].WriteMmio(0x0D0, 1u << (24 + i));
        }

        bus.Deliver(new InterruptMessage(0x71, DeliveryMode.Fixed, DestinationMode.Logical, mda));
        Assert.Equal(expected, Receivers(apics, 0x71));
    }

    [Theory]
    [InlineData(0x13u, new[] { 0, 1 })]   // cluster 1, members 0 and 1
    [InlineData(0x24u, new[] { 5 })]      // cluster 2, member 2
    [InlineData(0x1Cu, new[] { 2, 3 })]
    [InlineData(0x31u, new int[0])]       // no cluster 3
    [InlineData(0xFFu, new[] { 0, 1, 2, 3, 4, 5 })]
    public void Logical_cluster_model_SDM_11_6_2_2(uint mda, int[] expected)
    {
        var (_, apics, bus) = FakeApicHost.Many(6);
        uint[] ldr = [0x11, 0x12, 0x14, 0x18, 0x21, 0x24];
        for (var i = 0; i < 6; i++)
        {
            apics[i].WriteMmio(0x0E0, 0x0FFF_FFFF);
            apics[i].WriteMmio(0x0D0, ldr[i] << 24);
        }

        bus.Deliver(new InterruptMessage(0x72, DeliveryMode.Fixed, DestinationMode.Logical, mda));
        Assert.Equal(expected, Receivers(apics, 0x72));
    }

    [Theory]
    [InlineData(0x0000_0003u, new[] { 0, 1 })]
    [InlineData(0x0001_0003u, new[] { 16, 17 })]
    [InlineData(0x0001_0010u, new[] { 20 })]
    [InlineData(0x0002_0001u, new int[0])]
    [InlineData(0xFFFF_FFFFu, null)]
    public void X2Apic_logical_cluster_SDM_11_12_10_2(uint mda, int[]? expected)
    {
        var (_, apics, bus) = FakeApicHost.Many(21, x2Apic: true);
        bus.Deliver(new InterruptMessage(0x73, DeliveryMode.Fixed, DestinationMode.Logical, mda));
        Assert.Equal(expected ?? Enumerable.Range(0, 21).ToArray(), Receivers(apics, 0x73));
    }

    [Theory]
    [InlineData(false, 0xFFu)]
    [InlineData(true, 0xFFFF_FFFFu)]
    [InlineData(true, 0xFFu)] // an IO-APIC/MSI-style 0xFF reaching x2APIC targets (legacy broadcast quirk)
    public void Lowest_priority_physical_broadcast_goes_to_one_APIC_SDM_11_6_2_4_KVM_kvm_irq_delivery_to_apic(bool x2Apic, uint destination)
    {
        var (_, apics, bus) = FakeApicHost.Many(4, x2Apic);
        int[] tprs = [0x20, 0x30, 0x10, 0x20];
        for (var i = 0; i < 4; i++)
        {
            apics[i].WriteRegister(ApicRegister.Tpr, (ulong)tprs[i]);
        }

        bus.Deliver(new InterruptMessage(0x91, DeliveryMode.LowestPriority, DestinationMode.Physical, destination));
        Assert.Equal([2], Receivers(apics, 0x91));
        Assert.Equal(1, bus.DeliveredCount);
        Assert.Equal(1, bus.AcceptedCount);
    }

    [Theory]
    [InlineData(new[] { 0x20, 0x10, 0x30, 0x10 }, 1)] // lowest PPR wins, tie -> lowest APIC ID
    [InlineData(new[] { 0x00, 0x00, 0x00, 0x00 }, 0)]
    [InlineData(new[] { 0x40, 0x40, 0x40, 0x3F }, 3)]
    public void Lowest_priority_arbitration_is_deterministic_SDM_11_6_2_4(int[] tprs, int winner)
    {
        var (_, apics, bus) = FakeApicHost.Many(4);
        for (var i = 0; i < 4; i++)
        {
            apics[i].WriteMmio(0x080, (uint)tprs[i]);
        }

        bus.Deliver(new InterruptMessage(0x91, DeliveryMode.LowestPriority, DestinationMode.Logical, 0xFF));
        Assert.Equal([winner], Receivers(apics, 0x91));
    }

    /// <summary>
    /// Lowest-priority arbitration only considers software-enabled APICs (KVM kvm_irq_delivery_to_apic: "else if
    /// (kvm_apic_sw_enabled(vcpu->arch.apic))"): a software-disabled APIC with the lowest PPR does not win (it would
    /// discard the interrupt); the lowest PPR among the enabled ones does.
    /// </summary>
    [Theory]
    [InlineData(0, 2)]
    [InlineData(2, 0)] // PPR tie of CPUs 0 and 3 goes to the lower APIC ID
    public void Lowest_priority_skips_software_disabled_APICs_KVM_kvm_irq_delivery_to_apic(int disabled, int winner)
    {
        var (_, apics, bus) = FakeApicHost.Many(4);
        int[] tprs = [0x30, 0x40, 0x20, 0x30];
        for (var i = 0; i < 4; i++)
        {
            apics[i].WriteMmio(0x080, (uint)tprs[i]);
        }

        apics[disabled].WriteMmio(0x080, 0x00);
        apics[disabled].WriteMmio(0x0F0, 0xFF); // SVR bit 8 clear: software disabled
        bus.Deliver(new InterruptMessage(0x91, DeliveryMode.LowestPriority, DestinationMode.Logical, 0xFF));
        Assert.Equal([winner], Receivers(apics, 0x91));
    }

    [Theory]
    [InlineData(0x1FFu, 0)]
    [InlineData(0x3FFu, 0)]  // SVR bit 9 is reserved: writing it changes nothing
    public void Lowest_priority_has_no_focus_processor_SDM_11_6_2_4(uint svr, int winner)
    {
        // "For Intel Xeon processors, the concept of a focus processor is not supported" (SDM §11.6.2.4), and KVM has
        // none: CPU 2, servicing the vector already, does not win over CPU 0, whose priority is lower.
        var (_, apics, bus) = FakeApicHost.Many(4);
        foreach (var apic in apics)
        {
            apic.WriteMmio(0x0F0, svr);
            apic.WriteMmio(0x080, 0x20);
        }

        apics[0].WriteMmio(0x080, 0x00);
        apics[2].Accept(InterruptMessage.FixedTo(2, 0x91));
        Assert.Equal(0x91, apics[2].Acknowledge());
        bus.Deliver(new InterruptMessage(0x91, DeliveryMode.LowestPriority, DestinationMode.Logical, 0xFF));
        Assert.Equal([winner], Receivers(apics, 0x91));
    }

    [Fact]
    public void Lowest_priority_ipi_via_icr_SDM_11_6_1()
    {
        var (_, apics, _) = FakeApicHost.Many(3);
        apics[0].WriteMmio(0x080, 0x50);
        apics[1].WriteMmio(0x080, 0x30);
        apics[2].WriteMmio(0x080, 0x40);
        apics[0].WriteMmio(0x300, 0xC_4000 | 0x100 | 0x92); // all-excluding-self, lowest priority
        Assert.Equal([1], Receivers(apics, 0x92));
    }

    [Theory]
    [InlineData(0x400u, "NMI:2")]
    [InlineData(0x200u, "SMI:2")]
    [InlineData(0x500u, "INIT:2")]
    public void Icr_nmi_smi_init_signal_the_target_SDM_11_6_1(uint mode, string signal)
    {
        var (host, apics, _) = FakeApicHost.Many(3);
        apics[0].WriteMmio(0x310, 2u << 24);
        apics[0].WriteMmio(0x300, 0x4000 | mode);
        Assert.Equal([signal], host.Signals);
        Assert.Equal(mode == 0x500, apics[2].WaitingForSipi);
    }

    [Fact]
    public void Init_resets_then_SIPI_starts_only_a_waiting_CPU_SDM_11_4_7_3_and_8_4()
    {
        var (host, apics, _) = FakeApicHost.Many(2);
        apics[1].WriteMmio(0x080, 0x70);
        apics[1].Accept(InterruptMessage.FixedTo(1, 0x55));
        apics[0].WriteMmio(0x310, 1u << 24);
        apics[0].WriteMmio(0x300, 0x4000 | 0x600 | 0x9A); // SIPI before INIT: ignored
        Assert.Empty(host.Signals);
        apics[0].WriteMmio(0x300, 0x4000 | 0x500);         // INIT
        Assert.True(apics[1].WaitingForSipi);
        Assert.Equal(0, apics[1].Tpr);
        Assert.True(apics[1].Irr.IsEmpty);
        Assert.Equal(1, apics[1].DroppedByResetCount);
        Assert.Equal(1u, apics[1].ApicId);
        apics[0].WriteMmio(0x300, 0x8000 | 0x500);         // INIT level de-assert: ignored on Pentium 4 and later
        apics[0].WriteMmio(0x300, 0x4000 | 0x600 | 0x9A); // SIPI
        apics[0].WriteMmio(0x300, 0x4000 | 0x600 | 0x9B); // second SIPI: ignored
        Assert.Equal(["INIT:1", "SIPI:1:9A"], host.Signals);
        Assert.False(apics[1].WaitingForSipi);
    }

    [Theory]
    [InlineData(0x05u, true)]
    [InlineData(0x0Fu, true)]
    [InlineData(0x10u, false)]
    public void Send_illegal_vector_sets_sender_ESR_bit5_and_receiver_bit6_SDM_11_5_3(uint vector, bool illegal)
    {
        var (_, apics, _) = FakeApicHost.Many(2);
        apics[0].WriteMmio(0x310, 1u << 24);
        apics[0].WriteMmio(0x300, 0x4000 | vector);
        apics[0].WriteMmio(0x280, 0);
        apics[1].WriteMmio(0x280, 0);
        apics[0].ReadMmio(0x280, out var senderEsr);
        apics[1].ReadMmio(0x280, out var receiverEsr);
        Assert.Equal(illegal ? 0x20u : 0u, senderEsr);
        Assert.Equal(illegal ? 0x40u : 0u, receiverEsr);
        Assert.Equal(!illegal, apics[1].Irr.IsSet((int)vector));
    }

    [Fact]
    public void Physical_destination_matching_no_apic_is_counted_undelivered_SDM_11_6_2_1()
    {
        var (_, apics, bus) = FakeApicHost.Many(4);
        bus.Deliver(InterruptMessage.FixedTo(9, 0x40));
        Assert.Equal(1, bus.UndeliveredCount);
        apics[3].WriteMsr(0x1B, 0xFEE0_0000); // hardware-disabled APICs match nothing
        bus.Deliver(InterruptMessage.FixedTo(3, 0x40));
        Assert.Equal(2, bus.UndeliveredCount);
        Assert.Empty(Receivers(apics, 0x40));
    }

    [Fact]
    public void Ioapic_style_0xFF_broadcast_reaches_x2APIC_targets_KVM_kvm_apic_mda()
    {
        var (_, apics, bus) = FakeApicHost.Many(3, x2Apic: true);
        bus.Deliver(InterruptMessage.FixedTo(0xFF, 0x44));
        Assert.Equal([0, 1, 2], Receivers(apics, 0x44));
    }

    [Fact]
    public void Bus_delivery_does_not_allocate()
    {
        var (_, apics, bus) = FakeApicHost.Many(8);
        var physical = InterruptMessage.FixedTo(5, 0x80);
        var lowest = new InterruptMessage(0x81, DeliveryMode.LowestPriority, DestinationMode.Logical, 0xFF);
        bus.Deliver(physical);
        bus.Deliver(lowest);
        Assert.Equal(0, AllocationMeter.LeastPerRound(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                bus.Deliver(physical);
                bus.Deliver(lowest);
            }
        }));
        Assert.True(apics[5].Irr.IsSet(0x80));
    }

    /// <summary>
    /// Vectors 0-15 are illegal (SDM §11.5.3): a self IPI with one sets the sender's send-illegal bit 5 and, as it is
    /// also the receiver, receive-illegal bit 6; vector 16 is the first legal one. Rows on both sides of the boundary.
    /// </summary>
    [Theory]
    [InlineData(0x05, 0x60UL)]
    [InlineData(0x0F, 0x60UL)]
    [InlineData(0x10, 0x00UL)]
    public void Self_ipi_with_illegal_vector_sets_send_and_receive_bits_SDM_11_5_3(int vector, ulong expectedEsr)
    {
        var (_, apic) = FakeApicHost.One(x2Apic: true);
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(0x83F, (ulong)vector));
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(0x828, 0));
        apic.ReadMsr(0x828, out var esr);
        Assert.Equal(expectedEsr, esr);
        Assert.Equal(expectedEsr == 0, apic.Irr.IsSet(vector));
    }

    [Theory]
    [InlineData(DeliveryMode.ExtInt, "EXTINT:1")]
    [InlineData(DeliveryMode.Nmi, "NMI:1")]
    [InlineData(DeliveryMode.Smi, "SMI:1")]
    public void Ioapic_style_messages_bypass_IRR_SDM_11_8_3(DeliveryMode mode, string signal)
    {
        var (host, apics, bus) = FakeApicHost.Many(2);
        bus.Deliver(new InterruptMessage(0, mode, DestinationMode.Physical, 1));
        Assert.Equal([signal], host.Signals);
        Assert.True(apics[1].Irr.IsEmpty);
    }
}
