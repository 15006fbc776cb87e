using System.Globalization;
using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using Xunit;

namespace IrqLab.Tests.Hardware.Apic;

/// <summary>IRR/ISR/TPR/PPR acceptance, nesting, EOI and spurious INTA (SDM §11.8, §11.9).</summary>
public sealed class LocalApicPriorityTests
{
    /// <summary>
    /// Runs a script of steps on one APIC. Ops: Axx accept edge, Lxx accept level, Kxx INTA returns xx,
    /// Exx EOI clears xx, Txx write TPR, Pxx PPR is xx, Y/N HasInterrupt, Cn coalesced count, In ISR count.
    /// </summary>
    [Theory]
    [InlineData("SDM 11.8.3.1 TPR masks equal and lower classes; lowering TPR unmasks", "T50 A55 N A50 N P50 T4F Y K55 P50 N E55 Y K50 E50 N", false)]
    [InlineData("SDM 11.8.3.1 TPR masks equal and lower classes; lowering TPR unmasks (x2APIC)", "T50 A55 N A50 N P50 T4F Y K55 P50 N E55 Y K50 E50 N", true)]
    [InlineData("SDM 11.8.3.1 TPR sub-class does not mask a higher class", "T3F A3F N A40 Y K40 E40 N T00 Y K3F", false)]
    [InlineData("SDM 11.8.3 nested: higher class preempts in-service, EOIs in reverse order", "A41 K41 P40 A61 Y K61 P60 A45 N E61 P40 N E41 P00 Y K45 E45 N", false)]
    [InlineData("SDM 11.8.3 nested three deep, EOI order highest first", "A31 K31 A51 K51 A71 K71 I3 E71 E51 E31 I0 N", true)]
    [InlineData("SDM 11.8.4 a higher vector in the same class cannot preempt", "A40 K40 A4F N E40 Y K4F E4F", false)]
    [InlineData("SDM 11.8.4 highest pending vector is acknowledged first", "A22 AE0 A91 KE0 E0E0 K91 E91 K22 E22 N", false)]
    [InlineData("SDM 11.8.3 a vector already in IRR merges (one pending + one in service)", "A50 A50 C1 K50 A50 C1 E50 Y K50 E50 N", false)]
    [InlineData("SDM 11.8.3.1 PPR follows ISRV when its class is above TPR", "T25 A81 K81 P80 T9A P9A T70 P80 E81 P70", false)]
    [InlineData("SDM 11.9 TPR raised between INTR and INTA gives the spurious vector, ISR untouched", "A50 Y T60 KFF I0 T00 K50 E50 I0", false)]
    [InlineData("SDM 11.8.5 EOI with an empty ISR is ignored", "E-1 A50 K50 E50 E-1 I0", false)]
    public void Script(string rule, string script, bool x2Apic)
    {
        Assert.False(string.IsNullOrEmpty(rule));
        var (host, apic) = FakeApicHost.One(x2Apic);
        foreach (var step in script.Split(' '))
        {
            var op = step[0];
            var arg = step.Length > 1 ? step[1..] : "";
            int Hex() => arg == "-1" ? -1 : int.Parse(arg, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            switch (op)
            {
                case 'A':
                    Assert.True(apic.Accept(InterruptMessage.FixedTo(0, Hex())) is AcceptResult.Accepted or AcceptResult.Coalesced, step);
                    break;
                case 'L':
                    apic.Accept(InterruptMessage.FixedTo(0, Hex()) with { TriggerMode = TriggerMode.Level });
                    break;
                case 'K':
                    Assert.Equal(Hex(), apic.Acknowledge());
                    break;
                case 'E':
                    var before = apic.Isr;
                    apic.Eoi();
                    var expected = Hex();
                    if (expected < 0)
                    {
                        Assert.Equal(before, apic.Isr);
                    }
                    else
                    {
                        Assert.Equal(before.Without(expected), apic.Isr);
                        Assert.True(before.IsSet(expected), step);
                    }

                    break;
                case 'T':
                    Assert.Equal(ApicAccessResult.Ok, apic.WriteRegister(ApicRegister.Tpr, (ulong)Hex()));
                    break;
                case 'P':
                    Assert.Equal(Hex(), apic.Ppr);
                    Assert.Equal((ulong)Hex(), apic.PeekRegister(ApicRegister.Ppr));
                    break;
                case 'Y':
                    Assert.True(apic.HasInterrupt, step);
                    break;
                case 'N':
                    Assert.False(apic.HasInterrupt, step);
                    break;
                case 'C':
                    Assert.Equal(long.Parse(arg, CultureInfo.InvariantCulture), apic.CoalescedCount);
                    break;
                case 'I':
                    Assert.Equal(int.Parse(arg, CultureInfo.InvariantCulture), apic.Isr.Count);
                    break;
                default:
                    throw new InvalidOperationException(step);
            }
        }

        Assert.True(host.LineChanges > 0);
    }

    [Theory]
    [InlineData(0x00, -1, 0x00)]
    [InlineData(0x35, -1, 0x35)]
    [InlineData(0x35, 0x41, 0x40)]
    [InlineData(0x45, 0x41, 0x45)]
    [InlineData(0x4F, 0x4A, 0x4F)]
    [InlineData(0x40, 0x4A, 0x40)]
    [InlineData(0x20, 0xEC, 0xE0)]
    public void Ppr_is_TPR_or_ISRV_class_SDM_11_8_3_1(int tpr, int isrv, int ppr)
    {
        var (_, apic) = FakeApicHost.One();
        if (isrv >= 0)
        {
            apic.Accept(InterruptMessage.FixedTo(0, isrv));
            Assert.Equal(isrv, apic.Acknowledge());
        }

        apic.WriteRegister(ApicRegister.Tpr, (ulong)tpr);
        Assert.Equal(ppr, apic.Ppr);
    }

    [Theory]
    [InlineData(TriggerMode.Level, false, true)]
    [InlineData(TriggerMode.Level, true, false)]
    [InlineData(TriggerMode.Edge, false, false)]
    public void Eoi_of_level_vector_broadcasts_unless_SVR_bit12_SDM_11_8_5(TriggerMode trigger, bool suppress, bool broadcast)
    {
        var (host, apic) = FakeApicHost.One();
        Assert.Equal(ApicAccessResult.Ok, apic.WriteRegister(ApicRegister.Svr, suppress ? 0x11FFu : 0x1FFu));
        Assert.Equal(0x0106_0014UL, apic.PeekRegister(ApicRegister.Version) & 0xFFFF_FFFF); // bit 24: suppression supported
        apic.Accept(InterruptMessage.FixedTo(0, 0x61) with { TriggerMode = trigger });
        Assert.Equal(trigger == TriggerMode.Level, apic.Tmr.IsSet(0x61));
        Assert.Equal(0x61, apic.Acknowledge());
        apic.Eoi();
        Assert.Equal(broadcast ? [(0, 0x61)] : [], host.BroadcastEois);
    }

    [Theory]
    [InlineData(0, AcceptResult.IllegalVector)]
    [InlineData(15, AcceptResult.IllegalVector)]
    [InlineData(16, AcceptResult.Accepted)]
    [InlineData(31, AcceptResult.Accepted)]
    public void Received_illegal_vector_0_15_sets_ESR_bit6_SDM_11_5_3(int vector, AcceptResult expected)
    {
        var (_, apic) = FakeApicHost.One();
        Assert.Equal(expected, apic.Accept(InterruptMessage.FixedTo(0, vector)));
        var illegal = expected == AcceptResult.IllegalVector;
        Assert.Equal(illegal ? 1 : 0, apic.IllegalVectorCount);
        Assert.Equal(!illegal, apic.Irr.IsSet(vector));
        Assert.Equal(0UL, apic.PeekRegister(ApicRegister.Esr)); // not visible before the latching write
        apic.WriteRegister(ApicRegister.Esr, 0);
        Assert.Equal(illegal ? 0x40UL : 0UL, apic.PeekRegister(ApicRegister.Esr));
        apic.WriteRegister(ApicRegister.Esr, 0);
        Assert.Equal(0UL, apic.PeekRegister(ApicRegister.Esr)); // the write also cleared the collected errors
    }

    /// <summary>
    /// A level-triggered fixed or lowest-priority message with the level bit clear (a de-assert, e.g. an MSI with data
    /// bit 15 set and bit 14 clear) sets nothing: KVM <c>__apic_accept_irq</c> "if (unlikely(trig_mode &amp;&amp; !level))
    /// break;"; an edge message or a level assert is accepted.
    /// </summary>
    [Theory]
    [InlineData(DeliveryMode.Fixed, TriggerMode.Level, false, AcceptResult.Discarded)]
    [InlineData(DeliveryMode.LowestPriority, TriggerMode.Level, false, AcceptResult.Discarded)]
    [InlineData(DeliveryMode.Fixed, TriggerMode.Level, true, AcceptResult.Accepted)]
    [InlineData(DeliveryMode.Fixed, TriggerMode.Edge, true, AcceptResult.Accepted)]
    public void Level_deassert_message_is_discarded_KVM_apic_accept_irq(DeliveryMode mode, TriggerMode trigger, bool assert, AcceptResult expected)
    {
        var (_, apic) = FakeApicHost.One();
        var message = new InterruptMessage(0x51, mode, DestinationMode.Physical, 0, trigger, assert);
        Assert.Equal(expected, apic.Accept(message));
        Assert.Equal(expected == AcceptResult.Accepted, apic.Irr.IsSet(0x51));
        Assert.Equal(expected == AcceptResult.Accepted && trigger == TriggerMode.Level, apic.Tmr.IsSet(0x51));
    }

    [Theory]
    [InlineData(DeliveryMode.Fixed, AcceptResult.Discarded)]
    [InlineData(DeliveryMode.LowestPriority, AcceptResult.Discarded)]
    [InlineData(DeliveryMode.Nmi, AcceptResult.Signaled)]
    [InlineData(DeliveryMode.Init, AcceptResult.Signaled)]
    [InlineData(DeliveryMode.Smi, AcceptResult.Signaled)]
    public void Software_disabled_APIC_refuses_fixed_but_takes_NMI_INIT_SMI_SDM_11_4_7_2(DeliveryMode mode, AcceptResult expected)
    {
        var (_, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.Svr, 0xFF);
        Assert.False(apic.SoftwareEnabled);
        var message = new InterruptMessage(0x50, mode, DestinationMode.Physical, 0);
        Assert.Equal(expected, apic.Accept(message));
        Assert.False(apic.Irr.IsSet(0x50));
        Assert.False(apic.HasInterrupt);
    }

    [Fact]
    public void Software_disable_holds_IRR_and_still_delivers_it_SDM_11_4_7_2_KVM_kvm_apic_has_interrupt()
    {
        // SDM §11.4.7.2: while software-disabled, pending IRR/ISR interrupts "are held and require masking or handling
        // by the CPU"; KVM kvm_apic_has_interrupt gates on the hardware enable only. New fixed requests are refused.
        var (_, apic) = FakeApicHost.One();
        apic.Accept(InterruptMessage.FixedTo(0, 0x50));
        apic.WriteRegister(ApicRegister.Svr, 0xFF);
        Assert.Equal(AcceptResult.Discarded, apic.Accept(InterruptMessage.FixedTo(0, 0x60)));
        Assert.True(apic.Irr.IsSet(0x50));
        Assert.True(apic.HasInterrupt);
        Assert.Equal(0x50, apic.Acknowledge());
        Assert.False(apic.HasInterrupt);
        Assert.Equal(0xFF, apic.Acknowledge()); // nothing left: the spurious vector
        apic.Eoi();
        Assert.True(apic.Isr.IsEmpty);
    }

    [Fact]
    public void Hardware_disabled_APIC_discards_everything_SDM_11_4_3()
    {
        var (_, apic) = FakeApicHost.One();
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(0x1B, 0xFEE00000));
        Assert.Equal(LocalApicMode.Disabled, apic.Mode);
        Assert.Equal(AcceptResult.Discarded, apic.Accept(InterruptMessage.FixedTo(0, 0x50)));
        Assert.Equal(AcceptResult.Discarded, apic.Accept(new InterruptMessage(0, DeliveryMode.Nmi, DestinationMode.Physical, 0)));
        Assert.False(apic.HasInterrupt);
    }

    [Fact]
    public void Spurious_vector_comes_from_SVR_low_byte_SDM_11_9()
    {
        var (_, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.Svr, 0x1EF);
        Assert.Equal(0xEF, apic.Acknowledge());
        Assert.Equal(1, apic.SpuriousCount);
        Assert.True(apic.Isr.IsEmpty);
    }

    [Fact]
    public void Accept_Acknowledge_Eoi_HighestPendingVector_do_not_allocate()
    {
        var (_, apic) = FakeApicHost.One();
        var message = InterruptMessage.FixedTo(0, 0x80);
        for (var i = 0; i < 10; i++)
        {
            apic.Accept(message);
            apic.Acknowledge();
            apic.Eoi();
        }

        Assert.Equal(0, AllocationMeter.LeastPerRound(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                apic.Accept(message);
                _ = apic.HighestPendingVector();
                _ = apic.HasInterrupt;
                apic.Acknowledge();
                apic.Eoi();
            }
        }));
    }

    [Theory]
    [InlineData(0x30, -1, -1)]
    [InlineData(0x30, 0x51, -1)]
    [InlineData(0x00, -1, 0x61)]
    [InlineData(0x70, 0x41, 0x61)]
    public void Apr_reads_0_it_is_a_P6_register_SDM_table_11_1_note_1_KVM_apic_read(int tpr, int pending, int inService)
    {
        // The P6 formula (SDM §11.6.2.4) would give TPR, the IRRV class or max(TPR & ISRV, IRRV); the Pentium 4 and later
        // do not support the APR, and a KVM guest reads 0. A write is ignored without an ESR error (note 1).
        const int apr = 0;
        var (_, apic) = FakeApicHost.One();
        if (inService >= 0)
        {
            apic.Accept(InterruptMessage.FixedTo(0, inService));
            apic.Acknowledge();
        }

        if (pending >= 0)
        {
            apic.Accept(InterruptMessage.FixedTo(0, pending));
        }

        apic.WriteRegister(ApicRegister.Tpr, (ulong)tpr);
        Assert.Equal(ApicAccessResult.Ok, apic.ReadMmio(0x090, out var value));
        Assert.Equal((uint)apr, value);
        Assert.Equal(ApicAccessResult.Ignored, apic.WriteMmio(0x090, 0xFF));
        Assert.Equal(ApicErrorStatus.None, apic.PendingEsr);
    }
}
