using IrqLab.Delivery;
using Xunit;

namespace IrqLab.Tests.Delivery;

/// <summary>Frames returned by delivery (SDM Vol. 3A §6.14.2; x86-events.md §7.4) and the bare-mode IDT (SCENARIOS.md §6).</summary>
public sealed class FramesAndBareIdtTests
{
    private static readonly InterruptedContext s_kernel = new(0xffffffff81001000, 0x10, 0x2, 0xffffc90000003f58, 0x18);

    [Fact]
    public void Idt_frame_saves_IF_before_delivery_and_the_error_code_SDM_6_14_2()
    {
        var state = new CpuInterruptState { If = true };
        var outcome = new IdtDelivery(TestIdts.AllPresent()).Deliver(state, CpuEvent.Exception(14, 6, 0x1000), false, s_kernel, out var frame);
        Assert.Equal(DeliveryOutcomeKind.Delivered, outcome.Kind);
        Assert.Equal(new IdtFrame(0x18, 0xffffc90000003f58, 0x202, 0x10, 0xffffffff81001000, 6), frame);
        Assert.False(state.If);
    }

    [Fact]
    public void Idt_frame_of_a_double_fault_carries_error_code_0_SDM_6_15()
    {
        var outcome = new IdtDelivery(TestIdts.AllPresent()).Deliver(
            new CpuInterruptState(), CpuEvent.Exception(13, 0x18), false, s_kernel, out var frame, CpuEvent.Exception(11, 0x20));
        Assert.Equal(DeliveryOutcomeKind.DoubleFault, outcome.Kind);
        Assert.Equal(0UL, frame.ErrorCode);
    }

    [Fact]
    public void Fred_frame_records_STI_blocking_stack_level_NMI_bit_and_event_data_x86_events_7_4()
    {
        var state = new CpuInterruptState();
        state.Sti();
        var fred = new FredDelivery(FredConfig.Linux());
        var outcome = fred.Deliver(state, CpuEvent.Nmi() with { EventData = 1 }, 1, false, s_kernel, out var frame);
        Assert.Equal(2, outcome.StackLevelOrIst);
        Assert.True(frame.Sti);
        Assert.True(frame.Nmi);
        Assert.Equal(1, frame.StackLevel);
        Assert.Equal(1UL, frame.EventData);
        Assert.Equal(0x202UL, frame.Rflags);
        Assert.False(frame.Nested);
    }

    [Fact]
    public void Fred_frame_of_a_serially_handled_fault_is_nested_x86_events_7_4()
    {
        var fred = new FredDelivery(FredConfig.Linux());
        var outcome = fred.Deliver(new CpuInterruptState(), CpuEvent.Interrupt(0x41), 0, true, s_kernel, out var frame, CpuEvent.Exception(14, 7, 0x7ffc));
        Assert.Equal(CpuEvent.Exception(14, 7, 0x7ffc), outcome.Delivered);
        Assert.True(frame.Nested);
        Assert.Equal(7UL, frame.ErrorCode);
        Assert.Equal(0x7ffcUL, frame.EventData);
    }

    /// <summary>
    /// The frame's nested bit (SS slot bit 58) marks an exception met during FRED event delivery and "is not set for
    /// #DF" (x86-events.md §7.4 frame table), whoever builds the frame: the public BuildFrame keeps that rule too.
    /// </summary>
    [Theory]
    [InlineData(8, true, false)]
    [InlineData(14, true, true)]
    [InlineData(13, true, true)]
    [InlineData(14, false, false)]
    public void Fred_frame_nested_bit_is_never_set_for_DF_x86_events_7_4(int vector, bool nested, bool expected)
    {
        var frame = FredDelivery.BuildFrame(CpuEvent.Exception((byte)vector, 0), 0xffffffff81001000, 0x10, 0x2, 0xffffc90000003f58, 0x18, 0, false, nested: nested);
        Assert.Equal(expected, frame.Nested);
    }

    /// <summary>
    /// The frame's SW-event bit (SS slot bit 17) is set for SYSCALL, SYSENTER and INT n only (x86-events.md §7.4 frame
    /// table): event type 7 with vectors 1 and 2, and type 4; not for INT3/INTO (type 6) or INT1 (type 5).
    /// </summary>
    [Theory]
    [InlineData(EventType.Other, 1, true)]                        // SYSCALL
    [InlineData(EventType.Other, 2, true)]                        // SYSENTER
    [InlineData(EventType.SoftwareInterrupt, 0x80, true)]         // INT n
    [InlineData(EventType.SoftwareException, 3, false)]           // INT3
    [InlineData(EventType.PrivilegedSoftwareException, 1, false)] // INT1
    [InlineData(EventType.ExternalInterrupt, 0x41, false)]
    public void Fred_frame_software_event_bit_x86_events_7_4(EventType type, int vector, bool expected)
    {
        var ev = new CpuEvent(type, (byte)vector, null);
        var frame = FredDelivery.BuildFrame(ev, 0x401000, 0x33, 0x246, 0x7ffd0000, 0x2b, 0, true, instructionLength: 2);
        Assert.Equal(expected, frame.SoftwareEvent);
    }

    [Fact]
    public void Fred_SYSCALL_frame_carries_the_instruction_length_x86_events_7_4()
    {
        var user = new InterruptedContext(0x401000, 0x33, 0x246, 0x7ffd0000, 0x2b, LongMode: true, InstructionLength: 2);
        new FredDelivery(FredConfig.Linux()).Deliver(new CpuInterruptState(), new CpuEvent(EventType.Other, 1), 0, true, user, out var frame);
        Assert.Equal(2, frame.InstructionLength);
        Assert.True(frame.SoftwareEvent);
        Assert.True(frame.LongMode);
    }

    [Fact]
    public void Bare_unlisted_vector_raises_NP_and_ends_in_a_triple_fault_without_exception_handlers_SCENARIOS_6()
    {
        var outcome = new IdtDelivery(BareIdt.Build([0x40])).Deliver(new CpuInterruptState(), CpuEvent.Interrupt(0x41));
        Assert.Equal(DeliveryOutcomeKind.TripleFault, outcome.Kind);
    }

    [Fact]
    public void Bare_unlisted_vector_with_an_NP_handler_reaches_it_SCENARIOS_6()
    {
        var idt = BareIdt.Build([0x40, 11]);
        var outcome = new IdtDelivery(idt).Deliver(new CpuInterruptState(), CpuEvent.Interrupt(0x41));
        Assert.Equal(CpuEvent.Exception(11, (0x41UL << 3) | 3), outcome.Delivered);
        Assert.Equal("vector_0x0b", BareIdt.HandlerName(BareIdt.VectorOf(outcome.Gate!.Value)));
    }

    [Fact]
    public void Bare_unlisted_vector_with_only_a_DF_handler_double_faults_SCENARIOS_6()
    {
        // INTR is benign, so its #NP is handled serially; gate 11 is absent too: #NP during #NP is #DF.
        var idt = BareIdt.Build([8]);
        var outcome = new IdtDelivery(idt).Deliver(new CpuInterruptState(), CpuEvent.Interrupt(0x41));
        Assert.Equal(DeliveryOutcomeKind.DoubleFault, outcome.Kind);
        Assert.Equal(CpuEvent.Exception(8, 0), outcome.Delivered);
        Assert.Equal(idt[8], outcome.Gate);
    }

    [Theory]
    [InlineData(0x02, "vector_0x02")]
    [InlineData(0x41, "vector_0x41")]
    [InlineData(0xff, "vector_0xff")]
    public void Bare_handler_names_SCENARIOS_6(int vector, string name) => Assert.Equal(name, BareIdt.HandlerName(vector));

    /// <summary>
    /// ERETS unblocks NMIs only when the frame it pops has the NMI bit (x86-events.md §1.3 and
    /// §7.5), unlike IRET: the frame overload must read the frame's bit, as the bool overload is told it.
    /// </summary>
    [Fact]
    public void Erets_with_a_frame_unblocks_NMIs_only_when_the_frame_NMI_bit_is_set_x86_events_7_5()
    {
        var state = new CpuInterruptState();
        var fred = new FredDelivery(FredConfig.Linux());
        fred.Deliver(state, CpuEvent.Nmi(), 0, false, s_kernel, out var nmiFrame);
        fred.Deliver(state, CpuEvent.Exception(14, 0), 2, false, s_kernel, out var pfFrame);
        Assert.True(nmiFrame.Nmi);
        Assert.False(pfFrame.Nmi);
        fred.Erets(state, pfFrame);
        Assert.True(state.NmiBlocked);
        fred.Erets(state, nmiFrame);
        Assert.False(state.NmiBlocked);
    }

    [Fact]
    public void Erets_with_the_frame_STI_bit_restores_the_STI_shadow_x86_events_7_5()
    {
        var state = new CpuInterruptState();
        state.Sti(); // IF was 0: shadow
        var fred = new FredDelivery(FredConfig.Linux());
        fred.Deliver(state, CpuEvent.Exception(14, 0), 0, false, s_kernel, out var frame);
        Assert.True(frame.Sti);
        Assert.False(state.StiShadow);
        fred.Erets(state, frame);
        Assert.True(state.If);
        Assert.True(state.StiShadow);
        Assert.False(state.CanTakeInterrupt);
        state.InstructionRetired();
        Assert.True(state.CanTakeInterrupt);
    }
}
