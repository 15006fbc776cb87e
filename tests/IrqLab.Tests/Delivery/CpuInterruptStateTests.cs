using IrqLab.Delivery;
using Xunit;

namespace IrqLab.Tests.Delivery;

/// <summary>IF, STI / MOV SS shadow and NMI-blocking rules (SDM Vol. 3A §6.7.1, §6.8.3 for MOV SS, Vol. 2B "STI" for the
/// STI shadow; x86-events.md §1.3).</summary>
public sealed class CpuInterruptStateTests
{
    [Fact]
    public void Sti_with_IF_0_blocks_interrupts_until_the_next_instruction_retires_SDM_Vol2B_STI()
    {
        var s = new CpuInterruptState { If = false };
        s.Sti();
        Assert.True(s.If);
        Assert.True(s.StiShadow);
        Assert.False(s.CanTakeInterrupt);
        s.InstructionRetired();
        Assert.False(s.StiShadow);
        Assert.True(s.CanTakeInterrupt);
    }

    [Fact]
    public void Sti_with_IF_already_1_creates_no_shadow_SDM_STI()
    {
        var s = new CpuInterruptState { If = true };
        s.Sti();
        Assert.False(s.StiShadow);
        Assert.True(s.CanTakeInterrupt);
    }

    [Fact]
    public void Sti_shadow_does_not_hold_NMI_in_this_model_SDM_Vol2B_STI_model_specific()
    {
        var s = new CpuInterruptState();
        s.Sti();
        Assert.True(s.StiShadow);
        Assert.True(s.CanTakeNmi);
    }

    [Fact]
    public void Mov_ss_shadow_holds_interrupts_and_NMI_for_one_instruction_SDM_6_8_3()
    {
        var s = new CpuInterruptState { If = true };
        s.MovSs();
        Assert.True(s.MovSsShadow);
        Assert.False(s.CanTakeInterrupt);
        Assert.False(s.CanTakeNmi);
        Assert.False(s.NoteNmi());
        Assert.True(s.NmiLatched);
        s.InstructionRetired();
        Assert.True(s.CanTakeInterrupt);
        Assert.True(s.TakeLatchedNmi());
        Assert.False(s.NmiLatched);
    }

    [Fact]
    public void A_second_mov_ss_does_not_extend_the_shadow_SDM_6_8_3()
    {
        var s = new CpuInterruptState { If = true };
        s.MovSs();
        s.MovSs();
        Assert.False(s.MovSsShadow);
        Assert.True(s.CanTakeInterrupt);
    }

    [Fact]
    public void Sti_then_cli_in_the_shadow_leaves_interrupts_off_SDM_Vol2B_STI()
    {
        var s = new CpuInterruptState();
        s.Sti();
        s.Cli();
        Assert.False(s.StiShadow);
        Assert.False(s.CanTakeInterrupt);
    }

    [Fact]
    public void Cli_masks_interrupts_but_not_NMI_SDM_6_8_1()
    {
        var s = new CpuInterruptState { If = true };
        s.Cli();
        Assert.False(s.CanTakeInterrupt);
        Assert.True(s.CanTakeNmi);
        Assert.True(s.NoteNmi());
    }

    [Fact]
    public void Nmi_while_blocked_latches_one_and_merges_the_rest_SDM_6_7_1()
    {
        var s = new CpuInterruptState();
        var idt = new IdtDelivery(TestIdts.AllPresent());
        Assert.True(s.NoteNmi());
        idt.Deliver(s, CpuEvent.Nmi());
        Assert.True(s.NmiBlocked);
        Assert.False(s.NoteNmi());
        Assert.True(s.NmiLatched);
        Assert.Equal(0, s.NmisMerged);
        Assert.False(s.NoteNmi());
        Assert.False(s.NoteNmi());
        Assert.Equal(2, s.NmisMerged);
        Assert.False(s.TakeLatchedNmi());
    }
}
