using IrqLab.Delivery;
using Xunit;

namespace IrqLab.Tests.Delivery;

/// <summary>IA-32e IDT delivery (SDM Vol. 3A §6.12, §6.13, §6.14, §6.15; x86-events.md §2).</summary>
public sealed class IdtDeliveryTests
{
    // The EC column of SDM Vol. 3A Table 6-1 (plus AMD #VC/#SX), written out here independently of ExceptionTable.
    [Theory]
    [InlineData(0, false)] [InlineData(1, false)] [InlineData(3, false)] [InlineData(4, false)]
    [InlineData(5, false)] [InlineData(6, false)] [InlineData(7, false)] [InlineData(8, true)]
    [InlineData(9, false)] [InlineData(10, true)] [InlineData(11, true)] [InlineData(12, true)]
    [InlineData(13, true)] [InlineData(14, true)] [InlineData(15, false)] [InlineData(16, false)]
    [InlineData(17, true)] [InlineData(18, false)] [InlineData(19, false)] [InlineData(20, false)]
    [InlineData(21, true)] [InlineData(22, false)] [InlineData(23, false)] [InlineData(24, false)]
    [InlineData(25, false)] [InlineData(26, false)] [InlineData(27, false)] [InlineData(28, false)]
    [InlineData(29, true)] [InlineData(30, true)] [InlineData(31, false)]
    public void Exception_frame_pushes_an_error_code_per_SDM_Table_6_1(int vector, bool hasErrorCode)
    {
        var state = new CpuInterruptState();
        var outcome = new IdtDelivery(TestIdts.AllPresent()).Deliver(state, CpuEvent.Exception((byte)vector, 0x18));
        Assert.Equal(DeliveryOutcomeKind.Delivered, outcome.Kind);
        var frame = IdtFrame.For(outcome.Delivered, 0x18, 0x7000, 0x202, 0x10, 0x1234);
        Assert.Equal(hasErrorCode, frame.ErrorCode.HasValue);
        Assert.Equal(hasErrorCode ? 48 : 40, frame.SizeBytes);
        Assert.Equal(hasErrorCode ? 6 : 5, frame.ToStackQwords().Length);
        if (hasErrorCode)
        {
            Assert.Equal(0x18UL, frame.ErrorCode);
        }
    }

    [Theory]
    [InlineData(EventType.ExternalInterrupt, 14)]
    [InlineData(EventType.SoftwareInterrupt, 13)]
    public void Interrupts_and_INT_n_on_an_error_code_vector_push_none_SDM_6_13(EventType type, int vector)
    {
        var frame = IdtFrame.For(new CpuEvent(type, (byte)vector, 5), 0, 0, 0, 0, 0);
        Assert.Null(frame.ErrorCode);
    }

    [Theory]
    [InlineData(EventType.ExternalInterrupt, 0x40, 0x203UL)] // EXT=1
    [InlineData(EventType.Nmi, 2, 0x13UL)]
    [InlineData(EventType.SoftwareInterrupt, 0x40, 0x202UL)] // INT n: EXT=0
    public void Not_present_gate_raises_NP_with_IDT_selector_error_code_SDM_6_13(EventType type, int vector, ulong errorCode)
    {
        var idt = TestIdts.AllPresent();
        idt[vector] = idt[vector] with { Present = false };
        var state = new CpuInterruptState();
        var outcome = new IdtDelivery(idt).Deliver(state, new CpuEvent(type, (byte)vector));
        Assert.Equal(DeliveryOutcomeKind.Delivered, outcome.Kind);
        Assert.Equal(CpuEvent.Exception(11, errorCode), outcome.Delivered);
        Assert.Equal(idt[11], outcome.Gate);
    }

    [Theory]
    [InlineData(0x5)] // task gate
    [InlineData(0x6)] // 16-bit interrupt gate
    [InlineData(0xC)] // call gate
    public void Invalid_gate_type_raises_GP_SDM_6_14_1(byte type)
    {
        var idt = TestIdts.AllPresent();
        idt[0x41] = idt[0x41] with { Type = (GateType)type };
        var outcome = new IdtDelivery(idt).Deliver(new CpuInterruptState(), CpuEvent.Interrupt(0x41));
        Assert.Equal(CpuEvent.Exception(13, (0x41UL << 3) | 3), outcome.Delivered);
    }

    [Fact]
    public void Vector_beyond_IDTR_limit_raises_GP_SDM_6_10()
    {
        var idt = TestIdts.AllPresent();
        idt.Limit = 0x40 * 16 - 1;
        var outcome = new IdtDelivery(idt).Deliver(new CpuInterruptState(), CpuEvent.Interrupt(0x40));
        Assert.Equal(CpuEvent.Exception(13, (0x40UL << 3) | 3), outcome.Delivered);
    }

    [Theory]
    [InlineData(0x40, 0, true)]  // INT 0x40 from ring 3 through a DPL-0 gate
    [InlineData(0x80, 3, false)] // INT 0x80 through a DPL-3 gate
    public void Software_interrupt_checks_gate_DPL_against_CPL_SDM_6_12_1_1(int vector, int dpl, bool faults)
    {
        var idt = TestIdts.AllPresent();
        idt[vector] = idt[vector] with { Dpl = (byte)dpl };
        var outcome = new IdtDelivery(idt).Deliver(new CpuInterruptState(), new CpuEvent(EventType.SoftwareInterrupt, (byte)vector), fromUser: true);
        if (faults)
        {
            Assert.Equal(CpuEvent.Exception(13, ((ulong)vector << 3) | 2), outcome.Delivered);
        }
        else
        {
            Assert.Equal((byte)vector, outcome.Delivered.Vector);
        }
    }

    [Fact]
    public void Hardware_interrupt_ignores_gate_DPL_SDM_6_12_1_1()
    {
        var outcome = new IdtDelivery(TestIdts.AllPresent()).Deliver(new CpuInterruptState(), CpuEvent.Interrupt(0x40), fromUser: true);
        Assert.Equal(CpuEvent.Interrupt(0x40), outcome.Delivered);
    }

    [Theory]
    [InlineData(GateType.Interrupt, false)]
    [InlineData(GateType.Trap, true)]
    public void Interrupt_gate_clears_IF_trap_gate_does_not_SDM_6_12_1_3(GateType type, bool ifAfter)
    {
        var state = new CpuInterruptState { If = true };
        var outcome = new IdtDelivery(TestIdts.AllPresent(type)).Deliver(state, CpuEvent.Interrupt(0x40));
        Assert.Equal(ifAfter, state.If);
        Assert.Equal(!ifAfter, outcome.ClearedIf);
    }

    [Fact]
    public void Iret_restores_the_IF_saved_in_the_frame_SDM_6_14_3()
    {
        var state = new CpuInterruptState { If = true };
        var idt = new IdtDelivery(TestIdts.AllPresent());
        idt.Deliver(state, CpuEvent.Interrupt(0x40));
        Assert.False(state.If);
        state.Cli();
        idt.Deliver(state, CpuEvent.Exception(14, 2));
        idt.Iret(state, wasNmi: false);
        Assert.False(state.If);
        idt.Iret(state, wasNmi: false);
        Assert.True(state.If);
        Assert.Equal(0, state.FrameDepth);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void Gate_IST_field_selects_the_IST_stack_SDM_6_14_5(int ist)
    {
        var idt = TestIdts.AllPresent();
        idt[2] = idt[2] with { Ist = (byte)ist };
        var outcome = new IdtDelivery(idt).Deliver(new CpuInterruptState(), CpuEvent.Nmi());
        Assert.Equal(ist, outcome.StackLevelOrIst);
    }

    [Fact]
    public void Nmi_delivery_blocks_NMIs_and_IRET_unblocks_SDM_6_7_1()
    {
        var state = new CpuInterruptState();
        var idt = new IdtDelivery(TestIdts.AllPresent());
        idt.Deliver(state, CpuEvent.Nmi());
        Assert.True(state.NmiBlocked);
        Assert.False(state.NoteNmi());
        idt.Iret(state, wasNmi: true);
        Assert.False(state.NmiBlocked);
        Assert.True(state.TakeLatchedNmi());
    }

    [Fact]
    public void Iret_from_an_exception_inside_the_NMI_handler_unblocks_NMIs_early_SDM_6_7_1()
    {
        var state = new CpuInterruptState();
        var idt = new IdtDelivery(TestIdts.AllPresent());
        idt.Deliver(state, CpuEvent.Nmi());
        idt.Deliver(state, CpuEvent.Exception(14, 0, 0x1000));
        Assert.Equal(0, state.EarlyNmiUnblocks);
        idt.Iret(state, wasNmi: false);
        Assert.False(state.NmiBlocked); // the IDT hazard FRED fixes (see FredDeliveryTests)
        Assert.Equal(1, state.EarlyNmiUnblocks);
        idt.Iret(state, wasNmi: true);
        Assert.Equal(1, state.EarlyNmiUnblocks);
    }

    [Fact]
    public void GP_during_NP_delivery_becomes_DF_SDM_Table_6_5()
    {
        var idt = TestIdts.AllPresent();
        idt[0x40] = idt[0x40] with { Present = false };
        idt[11] = idt[11] with { Type = (GateType)0x6 };
        var outcome = new IdtDelivery(idt).Deliver(new CpuInterruptState(), CpuEvent.Interrupt(0x40));
        Assert.Equal(DeliveryOutcomeKind.DoubleFault, outcome.Kind);
        Assert.Equal(CpuEvent.Exception(8, 0), outcome.Delivered);
        Assert.Equal(idt[8], outcome.Gate);
    }

    [Fact]
    public void PF_during_PF_delivery_becomes_DF_SDM_Table_6_5()
    {
        var outcome = new IdtDelivery(TestIdts.AllPresent()).Deliver(
            new CpuInterruptState(), CpuEvent.Exception(14, 2, 0x1000), false, CpuEvent.Exception(14, 3, 0x7ff8));
        Assert.Equal(DeliveryOutcomeKind.DoubleFault, outcome.Kind);
        Assert.Equal(8, outcome.Delivered.Vector);
    }

    [Fact]
    public void GP_during_PF_delivery_becomes_DF_SDM_Table_6_5()
    {
        var idt = TestIdts.AllPresent();
        idt[14] = idt[14] with { Selector = 0 };
        var outcome = new IdtDelivery(idt).Deliver(new CpuInterruptState(), CpuEvent.Exception(14, 2, 0x1000));
        Assert.Equal(DeliveryOutcomeKind.DoubleFault, outcome.Kind);
    }

    [Fact]
    public void PF_during_contributory_delivery_is_handled_serially_SDM_Table_6_5()
    {
        var state = new CpuInterruptState();
        var outcome = new IdtDelivery(TestIdts.AllPresent()).Deliver(
            state, CpuEvent.Exception(13, 0), false, CpuEvent.Exception(14, 2, 0x7ff8));
        Assert.Equal(DeliveryOutcomeKind.Delivered, outcome.Kind);
        Assert.Equal(CpuEvent.Exception(14, 2, 0x7ff8), outcome.Delivered);
        Assert.Equal(1, state.FrameDepth); // the first exception is lost, only the #PF frame exists
    }

    [Theory]
    [InlineData(EventType.HardwareException, 6)]   // #UD
    [InlineData(EventType.HardwareException, 1)]   // #DB
    [InlineData(EventType.Nmi, 2)]
    [InlineData(EventType.ExternalInterrupt, 0x40)]
    public void Benign_then_anything_is_handled_serially_SDM_Table_6_5(EventType type, int vector)
    {
        var idt = TestIdts.AllPresent();
        idt[vector] = idt[vector] with { Present = false };
        var outcome = new IdtDelivery(idt).Deliver(new CpuInterruptState(), new CpuEvent(type, (byte)vector));
        Assert.Equal(DeliveryOutcomeKind.Delivered, outcome.Kind);
        Assert.Equal(11, outcome.Delivered.Vector);
    }

    [Fact]
    public void Fault_while_delivering_DF_is_a_triple_fault_SDM_6_15_Interrupt_8()
    {
        var idt = TestIdts.AllPresent();
        idt[8] = idt[8] with { Present = false };
        var state = new CpuInterruptState();
        var outcome = new IdtDelivery(idt).Deliver(state, CpuEvent.Exception(14, 2), false, CpuEvent.Exception(14, 3));
        Assert.Equal(DeliveryOutcomeKind.TripleFault, outcome.Kind);
        Assert.False(outcome.IsDelivered);
        Assert.Null(outcome.Gate);
        Assert.Equal(0, state.FrameDepth);
    }

    [Fact]
    public void Missing_NP_and_DF_gates_end_in_a_triple_fault_SDM_6_15()
    {
        var idt = TestIdts.AllPresent();
        idt[0x40] = idt[0x40] with { Present = false };
        idt[11] = idt[11] with { Present = false };
        idt[8] = idt[8] with { Present = false };
        var outcome = new IdtDelivery(idt).Deliver(new CpuInterruptState(), CpuEvent.Interrupt(0x40));
        Assert.Equal(DeliveryOutcomeKind.TripleFault, outcome.Kind);
    }

    /// <summary>
    /// An NMI blocks NMIs when its delivery starts (Bochs cpu/event.cc masks NMIs before <c>interrupt(2, BX_NMI)</c>;
    /// SDM Vol. 3C 26.6.1: a VM entry injecting an NMI leaves virtual-NMI blocking in effect): a fault that replaces it
    /// (#NP for its missing gate, then #DF, or a triple fault) leaves NMIs blocked until the next IRET; the frame
    /// delivered is not the NMI's. Other events whose delivery faults do not block NMIs.
    /// </summary>
    [Theory]
    [InlineData(EventType.Nmi, 2, new int[0], true, 11)]
    [InlineData(EventType.Nmi, 2, new[] { 11 }, true, 8)]
    [InlineData(EventType.Nmi, 2, new[] { 11, 8 }, true, -1)]
    [InlineData(EventType.ExternalInterrupt, 0x40, new int[0], false, 11)]
    [InlineData(EventType.ExternalInterrupt, 0x40, new[] { 11, 8 }, false, -1)]
    public void A_fault_while_delivering_an_NMI_leaves_NMIs_blocked(EventType type, int vector, int[] alsoMissing, bool blocked, int delivered)
    {
        var idt = TestIdts.AllPresent();
        foreach (var v in alsoMissing.Append(vector))
        {
            idt[v] = idt[v] with { Present = false };
        }

        var state = new CpuInterruptState();
        var delivery = new IdtDelivery(idt);
        var outcome = delivery.Deliver(state, new CpuEvent(type, (byte)vector));
        Assert.Equal(delivered < 0 ? DeliveryOutcomeKind.TripleFault : delivered == 8 ? DeliveryOutcomeKind.DoubleFault : DeliveryOutcomeKind.Delivered, outcome.Kind);
        if (delivered >= 0)
        {
            Assert.Equal(EventType.HardwareException, outcome.Delivered.Type);
            Assert.Equal(delivered, outcome.Delivered.Vector);
            Assert.False(state.TopFrameIsNmi);
        }

        Assert.Equal(blocked, state.NmiBlocked);
        Assert.Equal(blocked, !state.NoteNmi());
        if (delivered >= 0)
        {
            delivery.Iret(state, wasNmi: false);
            Assert.False(state.NmiBlocked);
            Assert.Equal(blocked, state.TakeLatchedNmi());
        }
    }

    [Fact]
    public void Delivery_ends_the_interrupt_shadow_SDM_6_8_3()
    {
        var state = new CpuInterruptState();
        state.MovSs();
        new IdtDelivery(TestIdts.AllPresent()).Deliver(state, CpuEvent.Exception(14, 2));
        Assert.False(state.MovSsShadow);
    }
}
