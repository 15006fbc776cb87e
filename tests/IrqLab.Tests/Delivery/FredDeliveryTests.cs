using IrqLab.Delivery;
using Xunit;

namespace IrqLab.Tests.Delivery;

/// <summary>FRED delivery, frames and ERETS (x86-events.md §7; Bochs fred.cc; Linux fred.rst, asm/fred.h).</summary>
public sealed class FredDeliveryTests
{
    private static readonly FredConfig s_linux = FredConfig.Linux();

    [Theory]
    // from ring 0 at level 0: STKLVLS per vector (Linux: #DB 1, NMI 2, #MC 2, #DF 3), INTR CONFIG[10:9] = 0
    [InlineData(EventType.Nmi, 2, 0, false, 2)]
    [InlineData(EventType.HardwareException, 1, 0, false, 1)]
    [InlineData(EventType.HardwareException, 18, 0, false, 2)]
    [InlineData(EventType.HardwareException, 8, 0, false, 3)]
    [InlineData(EventType.HardwareException, 14, 0, false, 0)]
    [InlineData(EventType.ExternalInterrupt, 0xec, 0, false, 0)]
    // ring 0 never lowers the level: max(event level, current level)
    [InlineData(EventType.HardwareException, 14, 2, false, 2)]
    [InlineData(EventType.ExternalInterrupt, 0xec, 1, false, 1)]
    [InlineData(EventType.HardwareException, 1, 2, false, 2)]
    [InlineData(EventType.HardwareException, 8, 2, false, 3)]
    // from ring 3: level 0 except #DF
    [InlineData(EventType.Nmi, 2, 0, true, 0)]
    [InlineData(EventType.HardwareException, 1, 0, true, 0)]
    [InlineData(EventType.HardwareException, 8, 0, true, 3)]
    [InlineData(EventType.HardwareException, 8, 3, true, 3)]
    public void Stack_level_selection_FRED_spec_via_x86_events_7_4(EventType type, int vector, int current, bool fromUser, int expected)
    {
        var outcome = new FredDelivery(s_linux).Deliver(new CpuInterruptState(), new CpuEvent(type, (byte)vector, 0), current, fromUser);
        Assert.Equal(expected, outcome.StackLevelOrIst);
        Assert.Null(outcome.Gate);
    }

    [Fact]
    public void Interrupt_stack_level_comes_from_CONFIG_bits_10_9_x86_events_7_2()
    {
        var fred = new FredDelivery(s_linux with { Config = s_linux.Config | (2UL << 9) });
        Assert.Equal(2, fred.Deliver(new CpuInterruptState(), CpuEvent.Interrupt(0x40), 0).StackLevelOrIst);
        Assert.Equal(0, fred.Deliver(new CpuInterruptState(), CpuEvent.Interrupt(0x40), 0, fromUser: true).StackLevelOrIst);
    }

    [Theory]
    [InlineData(2, 0, false, 0xFFFF_FE00_0000_2000UL)]   // level raised: RSP2
    [InlineData(0, 0, true, 0UL)]                         // from ring 3: RSP0
    [InlineData(1, 1, false, (0x1000_0050UL - 64) & ~0x3FUL)] // same level: red zone, align 64
    public void New_RSP_follows_x86_events_7_4_step_4(int newLevel, int current, bool fromUser, ulong expected) =>
        Assert.Equal(expected, new FredDelivery(s_linux).NewRsp(newLevel, current, fromUser, 0x1000_0050));

    /// <summary>
    /// The red zone is CONFIG bits 8:6 in 64-byte units (byte amount = CONFIG &amp; 0x1C0, x86-events.md §7.2); the
    /// interrupt stack level in bits 10:9 next to it must not leak into it.
    /// </summary>
    [Theory]
    [InlineData(1UL << 6, 64UL)]
    [InlineData((1UL << 6) | (1UL << 9), 64UL)]  // + interrupt stack level 1
    [InlineData((7UL << 6) | (3UL << 9), 448UL)] // the largest red zone, + interrupt stack level 3
    [InlineData(0UL, 0UL)]
    public void Red_zone_is_CONFIG_bits_8_6_x86_events_7_2(ulong lowBits, ulong redZone)
    {
        var config = s_linux with { Config = (s_linux.Config & ~0xFFFUL) | lowBits };
        Assert.Equal(redZone, config.RedZoneBytes);
        Assert.Equal((0x1000_0250UL - redZone) & ~0x3FUL, new FredDelivery(config).NewRsp(1, 1, false, 0x1000_0250));
    }

    [Fact]
    public void Ring_0_entry_is_256_bytes_after_ring_3_entry_entry_64_fred_S()
    {
        var fred = new FredDelivery(s_linux);
        Assert.Equal(fred.EntryPoint(true) + 256, fred.EntryPoint(false));
    }

    [Fact]
    public void Delivery_always_clears_IF_and_NMI_sets_NMI_blocking_x86_events_7_4()
    {
        var state = new CpuInterruptState { If = true };
        var outcome = new FredDelivery(s_linux).Deliver(state, CpuEvent.Nmi(), 0);
        Assert.True(outcome.ClearedIf);
        Assert.False(state.If);
        Assert.True(state.NmiBlocked);
    }

    [Fact]
    public void Erets_without_the_frame_NMI_bit_keeps_NMIs_blocked_x86_events_7_5()
    {
        var state = new CpuInterruptState();
        var fred = new FredDelivery(s_linux);
        fred.Deliver(state, CpuEvent.Nmi(), 0);
        fred.Deliver(state, CpuEvent.Exception(14, 0, 0x1000), 2);
        Assert.False(state.TopFrameIsNmi); // the #PF frame's NMI bit
        fred.Erets(state, frameNmiBit: state.TopFrameIsNmi);
        Assert.True(state.NmiBlocked);
        Assert.False(state.NoteNmi());
        Assert.True(state.TopFrameIsNmi);
        fred.Erets(state, frameNmiBit: true);
        Assert.False(state.NmiBlocked);
        Assert.True(state.TakeLatchedNmi());
    }

    [Fact]
    public void Nmi_during_NMI_is_deferred_until_ERETS_and_latched_once_x86_events_1_3()
    {
        var state = new CpuInterruptState();
        var fred = new FredDelivery(s_linux);
        Assert.True(state.NoteNmi());
        fred.Deliver(state, CpuEvent.Nmi(), 0);
        Assert.False(state.NoteNmi());
        Assert.False(state.NoteNmi());
        Assert.Equal(1, state.NmisMerged);
        Assert.False(state.TakeLatchedNmi());
        fred.Erets(state, frameNmiBit: true);
        Assert.True(state.TakeLatchedNmi());
        Assert.False(state.TakeLatchedNmi());
    }

    [Fact]
    public void Erets_restores_IF_from_the_frame_x86_events_7_5()
    {
        var state = new CpuInterruptState { If = true };
        var fred = new FredDelivery(s_linux);
        fred.Deliver(state, CpuEvent.Interrupt(0x40), 0);
        Assert.False(state.If);
        fred.Erets(state, frameNmiBit: false);
        Assert.True(state.If);
    }

    [Theory]
    [InlineData(EventType.HardwareException, 14, 0xdead_b000UL, 0xdead_b000UL)] // #PF: CR2
    [InlineData(EventType.HardwareException, 1, 0x4001UL, 0x4001UL)]           // #DB: DR6 (BS, B0)
    [InlineData(EventType.HardwareException, 7, 0x40000UL, 0x40000UL)]         // #NM: XFD_ERR
    [InlineData(EventType.Nmi, 2, 0x1UL, 0x1UL)]                                // NMI source bitmap
    [InlineData(EventType.HardwareException, 13, 0x1234UL, 0UL)]               // others: 0
    [InlineData(EventType.ExternalInterrupt, 0x40, 0x1234UL, 0UL)]
    public void Frame_event_data_x86_events_7_4(EventType type, int vector, ulong data, ulong expected)
    {
        var frame = FredDelivery.BuildFrame(new CpuEvent(type, (byte)vector, 2, data), 0x1000, 0x10, 0x246, 0x7000, 0x18, 0, false);
        Assert.Equal(expected, frame.EventData);
        Assert.Equal(expected, frame.ToStackQwords()[6]);
    }

    [Theory]
    [InlineData(EventType.HardwareException, 14, 2UL, 2UL)]
    [InlineData(EventType.HardwareException, 6, 5UL, 0UL)] // #UD pushes no error code: slot is 0
    [InlineData(EventType.ExternalInterrupt, 0x40, 5UL, 0UL)]
    public void Frame_always_has_an_error_code_slot_x86_events_7_4(EventType type, int vector, ulong ec, ulong expected)
    {
        var frame = FredDelivery.BuildFrame(new CpuEvent(type, (byte)vector, ec), 0, 0x10, 0, 0, 0x18, 0, false);
        Assert.Equal(expected, frame.ToStackQwords()[0]);
        Assert.Equal(8, frame.ToStackQwords().Length);
    }

    [Fact]
    public void Frame_words_encode_fred_cs_and_fred_ss_asm_ptrace_h()
    {
        var frame = FredDelivery.BuildFrame(CpuEvent.Nmi(), 0xffffffff81000000, 0x10, 0x46, 0xffffc90000000f00, 0x18, 1, false, stiBlocking: true);
        Assert.Equal(0x10UL | (1UL << 16), frame.CsWord);
        Assert.Equal(0x18UL | (1UL << 16) | (1UL << 18) | (2UL << 32) | (2UL << 48) | (1UL << 57), frame.SsWord);
        Assert.Equal(frame, FredFrame.FromStackQwords(frame.ToStackQwords()));
    }

    [Fact]
    public void Frame_from_ring_3_records_stack_level_0_and_SYSCALL_is_a_software_event_x86_events_7_4()
    {
        var frame = FredDelivery.BuildFrame(new CpuEvent(EventType.Other, 1), 0x401000, 0x33, 0x246, 0x7ffc0000, 0x2b, 2, true, instructionLength: 2);
        Assert.Equal(0, frame.StackLevel);
        Assert.True(frame.SoftwareEvent);
        Assert.False(frame.Nmi);
        Assert.Equal(2, frame.InstructionLength);
        Assert.Equal(EventType.Other, FredFrame.FromStackQwords(frame.ToStackQwords()).Type);
    }

    [Fact]
    public void Nested_exception_during_FRED_delivery_combines_by_the_DF_rule_SDM_Table_6_5()
    {
        var fred = new FredDelivery(s_linux);
        var df = fred.Deliver(new CpuInterruptState(), CpuEvent.Exception(14, 2), 0, false, CpuEvent.Exception(14, 3));
        Assert.Equal(DeliveryOutcomeKind.DoubleFault, df.Kind);
        Assert.Equal(3, df.StackLevelOrIst); // #DF on its STKLVLS level
        var serial = fred.Deliver(new CpuInterruptState(), CpuEvent.Interrupt(0x40), 0, true, CpuEvent.Exception(14, 3));
        Assert.Equal(CpuEvent.Exception(14, 3), serial.Delivered);
        var triple = fred.Deliver(new CpuInterruptState(), CpuEvent.Exception(8, 0), 3, false, CpuEvent.Exception(14, 3));
        Assert.Equal(DeliveryOutcomeKind.TripleFault, triple.Kind);
    }

    [Theory]
    [InlineData(0x1D4u, 0xFFFF_FFFF_8100_0040UL, FredMsrWriteResult.Ok)]
    [InlineData(0x1D4u, 0xFFFF_FFFF_8100_0044UL, FredMsrWriteResult.GpReservedBits)] // bit 2
    [InlineData(0x1D4u, 0xFFFF_FFFF_8100_0800UL, FredMsrWriteResult.GpReservedBits)] // bit 11
    [InlineData(0x1D4u, 0x8000_0000_0000_0000UL, FredMsrWriteResult.GpNonCanonical)]
    [InlineData(0x1CCu, 0xFFFF_C900_0000_0000UL, FredMsrWriteResult.Ok)]
    [InlineData(0x1CEu, 0xFFFF_C900_0000_0008UL, FredMsrWriteResult.GpReservedBits)] // not 64-byte aligned
    [InlineData(0x1CFu, 0x0000_8000_0000_0000UL, FredMsrWriteResult.GpNonCanonical)]
    [InlineData(0x1D0u, 0xFFFF_FFFF_FFFF_FFFFUL, FredMsrWriteResult.Ok)]
    [InlineData(0x1D1u, 0UL, FredMsrWriteResult.NotFredMsr)]
    public void Msr_write_checks_Bochs_msr_cc(uint msr, ulong value, FredMsrWriteResult expected)
    {
        Assert.Equal(expected, FredConfig.CheckWrite(msr, value));
        var after = s_linux.WithMsr(msr, value, out var result);
        Assert.Equal(expected, result);
        if (expected == FredMsrWriteResult.Ok)
        {
            var readBack = msr switch
            {
                0x1D4 => after.Config,
                0x1D0 => after.StackLevels,
                _ => after.RspOf((int)(msr - 0x1CC)),
            };
            Assert.Equal(value, readBack);
        }
        else
        {
            Assert.Equal(s_linux, after);
        }
    }

    [Fact]
    public void Erets_never_raises_the_stack_level_x86_events_7_5()
    {
        Assert.Equal(1, FredDelivery.StackLevelAfterErets(1, 3));
        Assert.Equal(0, FredDelivery.StackLevelAfterErets(2, 0));
    }
}
