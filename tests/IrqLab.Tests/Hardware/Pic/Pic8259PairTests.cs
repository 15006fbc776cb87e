using IrqLab.Hardware.Pic;
using Xunit;

namespace IrqLab.Tests.Hardware.Pic;

/// <summary>
/// 8259A pair: Intel 8259A datasheet (ICW/OCW), shared/reference/x86-events.md §5, QEMU hw/intc/i8259.c and
/// i8259_common.c, KVM arch/x86/kvm/i8259.c.
/// </summary>
public sealed class Pic8259PairTests
{
    private const byte MasterBase = 0x20;
    private const byte SlaveBase = 0x28;

    /// <summary>The sequence Linux init_8259A and every BIOS use: ICW1 0x11, ICW2 base, ICW3, ICW4 0x01 (+ AEOI).</summary>
    private static (Pic8259Pair Pic, PicHostRecorder Host) Create(bool autoEoi = false, byte masterIcw4 = 0x01)
    {
        var host = new PicHostRecorder();
        var pic = new Pic8259Pair(host);
        pic.WritePort(0x20, 0x11);
        pic.WritePort(0x21, MasterBase);
        pic.WritePort(0x21, 0x04);
        pic.WritePort(0x21, (byte)(masterIcw4 | (autoEoi ? 0x02 : 0)));
        pic.WritePort(0xA0, 0x11);
        pic.WritePort(0xA1, SlaveBase);
        pic.WritePort(0xA1, 0x02);
        pic.WritePort(0xA1, (byte)(0x01 | (autoEoi ? 0x02 : 0)));
        return (pic, host);
    }

    private static void Raise(Pic8259Pair pic, int irq)
    {
        pic.SetIrq(irq, true);
        pic.SetIrq(irq, false);
    }

    [Fact]
    public void ICW1_to_ICW4_program_the_vector_bases_and_clear_IMR_datasheet_ICW()
    {
        var host = new PicHostRecorder();
        var pic = new Pic8259Pair(host);
        pic.WritePort(0x21, 0xFF);
        pic.WritePort(0x20, 0x11);
        Assert.True(pic.Master.Initializing);
        Assert.Equal(0, pic.Master.Imr); // ICW1 clears IMR (reference §5.2)
        pic.WritePort(0x21, 0x27);       // ICW2: bits 2:0 ignored in 8086 mode
        pic.WritePort(0x21, 0x04);
        Assert.True(pic.Master.Initializing);
        pic.WritePort(0x21, 0x01);
        Assert.False(pic.Master.Initializing);
        Assert.Equal(0x20, pic.Master.VectorBase);
        Assert.Equal(7, pic.Master.LowestPriorityIrq);
        pic.WritePort(0x21, 0xFB);       // now OCW1
        Assert.Equal(0xFB, pic.ReadPort(0x21));
    }

    [Theory]
    [InlineData(0x13, 1)] // SNGL + IC4: ICW2, ICW4
    [InlineData(0x12, 0)] // SNGL, no IC4: ICW2 only
    [InlineData(0x10, 1)] // cascade, no IC4: ICW2, ICW3
    public void ICW3_and_ICW4_are_only_expected_when_SNGL_is_0_and_IC4_is_1_datasheet_ICW1(byte icw1, int moreWords)
    {
        var pic = new Pic8259Pair(new PicHostRecorder());
        pic.WritePort(0x20, icw1);
        pic.WritePort(0x21, 0x08);
        for (int i = 0; i < moreWords; i++)
        {
            pic.WritePort(0x21, 0x00);
        }

        Assert.False(pic.Master.Initializing);
        pic.WritePort(0x21, 0x5A);
        Assert.Equal(0x5A, pic.Master.Imr);
    }

    [Fact]
    public void OCW3_selects_IRR_or_ISR_for_port_0x20_reads_and_IMR_reads_on_0x21_reference_5_3()
    {
        var (pic, _) = Create();
        pic.SetIrq(3, true);
        pic.SetIrq(4, true);
        Assert.Equal(0x18, pic.ReadPort(0x20)); // after ICW1 the read register is IRR
        Assert.Equal(MasterBase + 3, pic.Acknowledge());
        pic.WritePort(0x20, 0x0B);
        Assert.Equal(0x08, pic.ReadPort(0x20)); // ISR
        pic.WritePort(0x20, 0x0A);
        Assert.Equal(0x10, pic.ReadPort(0x20)); // IRR: edge bit 3 cleared by INTA
        pic.WritePort(0x21, 0xA5);
        Assert.Equal(0xA5, pic.ReadPort(0x21));
    }

    [Fact]
    public void Slave_IRQ_cascades_through_master_IR2_reference_5_4()
    {
        var (pic, host) = Create();
        Raise(pic, 12);
        Assert.True(pic.IntrAsserted);
        Assert.Equal([true], host.Changes);
        Assert.Equal(SlaveBase + 4, pic.Acknowledge());
        Assert.Equal(0x04, pic.Master.Isr);
        Assert.Equal(0x10, pic.Slave.Isr);
        Assert.False(pic.IntrAsserted);

        // Software EOI for a slave IRQ: slave first, then master (reference §5.4).
        pic.WritePort(0xA0, 0x20);
        pic.WritePort(0x20, 0x20);
        Assert.Equal(0, pic.Master.Isr);
        Assert.Equal(0, pic.Slave.Isr);
    }

    [Fact]
    public void Fixed_priority_IR0_highest_and_fully_nested_blocking_datasheet_fully_nested_mode()
    {
        var (pic, _) = Create();
        Raise(pic, 5);
        Raise(pic, 3);
        Assert.Equal(MasterBase + 3, pic.Acknowledge());
        Assert.False(pic.IntrAsserted); // IR5 is below IR3 in service
        Raise(pic, 1);
        Assert.True(pic.IntrAsserted);  // IR1 nests above IR3
        Assert.Equal(MasterBase + 1, pic.Acknowledge());
        pic.WritePort(0x20, 0x20);      // non-specific EOI clears the highest: IR1
        Assert.Equal(0x08, pic.Master.Isr);
        pic.WritePort(0x20, 0x20);
        Assert.Equal(MasterBase + 5, pic.Acknowledge());
    }

    [Fact]
    public void Specific_EOI_clears_only_the_named_ISR_bit_OCW2_011()
    {
        var (pic, _) = Create();
        Raise(pic, 4);
        pic.Acknowledge();
        Raise(pic, 1);
        pic.Acknowledge();
        Assert.Equal(0x12, pic.Master.Isr);
        pic.WritePort(0x20, 0x64); // specific EOI, level 4
        Assert.Equal(0x02, pic.Master.Isr);
    }

    [Fact]
    public void Specific_rotation_set_priority_makes_IR_L_the_lowest_OCW2_110()
    {
        var (pic, _) = Create();
        pic.WritePort(0x20, 0xC3); // IR3 lowest, IR4 highest
        Assert.Equal(3, pic.Master.LowestPriorityIrq);
        Raise(pic, 1);
        Raise(pic, 5);
        Assert.Equal(MasterBase + 5, pic.Acknowledge());
    }

    [Fact]
    public void Rotate_on_non_specific_EOI_makes_the_serviced_IR_lowest_OCW2_101()
    {
        var (pic, _) = Create();
        Raise(pic, 1);
        Assert.Equal(MasterBase + 1, pic.Acknowledge());
        pic.WritePort(0x20, 0xA0);
        Assert.Equal(1, pic.Master.LowestPriorityIrq);
        Raise(pic, 1);
        Raise(pic, 6);
        Assert.Equal(MasterBase + 6, pic.Acknowledge()); // IR6 now outranks IR1
    }

    [Fact]
    public void Rotate_on_specific_EOI_clears_ISR_L_and_makes_it_lowest_OCW2_111()
    {
        var (pic, _) = Create();
        Raise(pic, 6);
        pic.Acknowledge();
        pic.WritePort(0x20, 0xE6);
        Assert.Equal(0, pic.Master.Isr);
        Assert.Equal(6, pic.Master.LowestPriorityIrq);
    }

    [Fact]
    public void Auto_EOI_leaves_ISR_clear_after_INTA_ICW4_AEOI()
    {
        var (pic, _) = Create(autoEoi: true);
        Raise(pic, 3);
        Assert.Equal(MasterBase + 3, pic.Acknowledge());
        Assert.Equal(0, pic.Master.Isr);
        Raise(pic, 5);
        Assert.True(pic.IntrAsserted); // nothing in service blocks IR5
    }

    [Fact]
    public void Automatic_rotation_in_AEOI_mode_makes_each_serviced_IR_lowest_OCW2_100()
    {
        var (pic, _) = Create(autoEoi: true);
        pic.WritePort(0x20, 0x80); // set rotate in AEOI
        Raise(pic, 0);
        Raise(pic, 4);
        Assert.Equal(MasterBase + 0, pic.Acknowledge());
        Assert.Equal(0, pic.Master.LowestPriorityIrq);
        Raise(pic, 0);
        Assert.Equal(MasterBase + 4, pic.Acknowledge());
        Assert.Equal(4, pic.Master.LowestPriorityIrq);
        Assert.Equal(MasterBase + 0, pic.Acknowledge());
        pic.WritePort(0x20, 0x00); // clear rotate in AEOI
        Raise(pic, 1);
        pic.Acknowledge();
        Assert.Equal(0, pic.Master.LowestPriorityIrq);
    }

    [Fact]
    public void Spurious_IRQ7_when_the_request_went_away_before_INTA_reference_5_5()
    {
        var (pic, host) = Create();
        pic.WritePort(0x4D0, 0x20); // IRQ5 level
        pic.SetIrq(5, true);
        Assert.True(pic.IntrAsserted);
        pic.SetIrq(5, false);       // the CPU's INTA arrives after the device dropped its line
        Assert.Equal(MasterBase + 7, pic.Acknowledge());
        Assert.Equal(0, pic.Master.Isr); // ISR7 stays clear: handlers skip the EOI
        Assert.Equal(1, pic.SpuriousCount);
        Assert.Equal([true, false], host.Changes);
    }

    [Fact]
    public void Spurious_IRQ15_sets_master_ISR2_but_not_slave_ISR7_QEMU_pic_read_irq()
    {
        var (pic, _) = Create();
        pic.WritePort(0x4D1, 0x04); // IRQ10 level
        pic.SetIrq(10, true);       // slave INT rises: master IRR2 latches the edge
        pic.SetIrq(10, false);
        Assert.True(pic.IntrAsserted);
        Assert.Equal(SlaveBase + 7, pic.Acknowledge());
        Assert.Equal(0x04, pic.Master.Isr);
        Assert.Equal(0, pic.Slave.Isr);
        Assert.Equal(1, pic.SpuriousCount);
    }

    [Fact]
    public void Masked_request_at_INTA_is_spurious_reference_5_5()
    {
        var (pic, _) = Create();
        Raise(pic, 3);
        pic.WritePort(0x21, 0x08);
        Assert.Equal(MasterBase + 7, pic.Acknowledge());
        Assert.Equal(1, pic.SpuriousCount);
    }

    [Fact]
    public void Poll_mode_read_acknowledges_and_returns_0x80_or_IR_reference_5_4_QEMU_pic_ioport_read()
    {
        var (pic, _) = Create();
        pic.WritePort(0x20, 0x0C);
        Assert.Equal(0, pic.ReadPort(0x20)); // nothing pending
        Raise(pic, 6);
        pic.WritePort(0x20, 0x0C);
        Assert.Equal(0x86, pic.ReadPort(0x20));
        Assert.Equal(0x40, pic.Master.Isr);
        Assert.Equal(0x00, pic.ReadPort(0x20)); // poll applies to one read only: back to IRR
    }

    [Fact]
    public void Edge_input_sets_IRR_once_per_rising_edge_reference_5_6()
    {
        var (pic, _) = Create();
        pic.SetIrq(4, true);
        Assert.Equal(MasterBase + 4, pic.Acknowledge());
        pic.WritePort(0x20, 0x20);
        Assert.False(pic.IntrAsserted); // line still high, no new edge
        pic.SetIrq(4, false);
        pic.SetIrq(4, true);
        Assert.True(pic.IntrAsserted);
    }

    [Fact]
    public void Level_input_via_ELCR_keeps_IRR_and_requests_again_after_EOI_reference_5_6()
    {
        var (pic, _) = Create();
        pic.WritePort(0x4D1, 0x08); // IRQ11 level
        pic.SetIrq(11, true);
        Assert.Equal(SlaveBase + 3, pic.Acknowledge());
        Assert.Equal(0x08, pic.Slave.Irr);   // INTA does not clear a level IRR bit
        pic.WritePort(0xA0, 0x20);
        pic.WritePort(0x20, 0x20);
        Assert.True(pic.IntrAsserted);         // device still asserts
        pic.SetIrq(11, false);
        Assert.Equal(0, pic.Slave.Irr);        // the slave's level IRR follows the line...
        Assert.Equal(0x04, pic.Master.Irr);    // ...but master IR2 is an edge input and keeps the latched request,
        Assert.Equal(SlaveBase + 7, pic.Acknowledge()); // so the next INTA is a spurious IRQ15 (QEMU pic_read_irq)
    }

    [Theory]
    [InlineData(0x4D0, 0xFF, 0xF8)] // IRQ0, 1, 2 hard-wired edge
    [InlineData(0x4D1, 0xFF, 0xDE)] // IRQ8, 13 hard-wired edge
    public void ELCR_writable_masks_QEMU_i8259_init_chip(ushort port, byte written, byte expected)
    {
        var (pic, _) = Create();
        pic.WritePort(port, written);
        Assert.Equal(expected, pic.ReadPort(port));
    }

    [Fact]
    public void ICW1_LTIM_makes_every_input_level_triggered_datasheet_ICW1_bit3()
    {
        var pic = new Pic8259Pair(new PicHostRecorder());
        pic.WritePort(0x20, 0x1B); // LTIM + SNGL + IC4
        pic.WritePort(0x21, 0x08);
        pic.WritePort(0x21, 0x01);
        pic.SetIrq(1, true);
        Assert.Equal(0x08 + 1, pic.Acknowledge());
        Assert.Equal(0x02, pic.Master.Irr);
    }

    [Fact]
    public void Special_mask_mode_lets_lower_IRQs_in_while_a_masked_IR_is_in_service_OCW3_SMM()
    {
        var (pic, _) = Create();
        Raise(pic, 3);
        pic.Acknowledge();
        pic.WritePort(0x21, 0x08); // mask IR3 (in service)
        Raise(pic, 5);
        Assert.False(pic.IntrAsserted);
        pic.WritePort(0x20, 0x68); // ESMM + SMM
        Assert.True(pic.Master.SpecialMask);
        Assert.True(pic.IntrAsserted);
        pic.WritePort(0x20, 0x48); // ESMM, SMM = 0
        Assert.False(pic.IntrAsserted);
    }

    /// <summary>
    /// 8259A datasheet, End of Interrupt: "an IS bit that is masked by an IMR bit will not be cleared by a non-specific
    /// EOI if the 8259A is in the Special Mask Mode". IR3 in service and masked, IR5 taken under SMM: the non-specific
    /// EOI (and the rotating one) ends IR5, the highest unmasked IS bit, and leaves IR3; out of SMM it ends IR3.
    /// </summary>
    [Theory]
    [InlineData(0x20, true, 0x08, 7)]  // OCW2 001, SMM: ISR5 cleared, IR3 kept, priority unchanged
    [InlineData(0xA0, true, 0x08, 5)]  // OCW2 101, SMM: ISR5 cleared, IR5 becomes the lowest
    [InlineData(0x20, false, 0x20, 7)] // OCW2 001 after SMM is reset: the highest IS bit, IR3, is cleared
    public void Non_specific_EOI_in_special_mask_mode_skips_IS_bits_masked_in_IMR_datasheet_EOI(
        byte ocw2, bool specialMask, byte isrAfter, int lowestAfter)
    {
        var (pic, _) = Create();
        Raise(pic, 3);
        Assert.Equal(MasterBase + 3, pic.Acknowledge());
        pic.WritePort(0x21, 0x08); // mask IR3 (in service)
        pic.WritePort(0x20, 0x68); // ESMM + SMM
        Raise(pic, 5);
        Assert.Equal(MasterBase + 5, pic.Acknowledge());
        Assert.Equal(0x28, pic.Master.Isr);
        if (!specialMask)
        {
            pic.WritePort(0x20, 0x48); // ESMM, SMM = 0
        }

        pic.WritePort(0x20, ocw2);
        Assert.Equal(isrAfter, pic.Master.Isr);
        Assert.Equal(lowestAfter, pic.Master.LowestPriorityIrq);
    }

    /// <summary>
    /// 8259A datasheet, ICW1: "The edge sense circuit is reset, which means that following initialization, an interrupt
    /// request (IR) input must make a low-to-high transition to generate an interrupt." Re-initializing the master while
    /// the slave holds INT high for IRQ12 leaves IR2 without a request; the slave's INT must drop and rise again (here by
    /// masking and unmasking IRQ12 on the slave) before the master latches IR2.
    /// </summary>
    [Fact]
    public void Master_ICW1_needs_a_new_rising_edge_from_the_slave_INT_datasheet_ICW1_edge_sense_reset()
    {
        var (pic, _) = Create();
        Raise(pic, 12);
        Assert.True(pic.IntrAsserted);
        Assert.Equal(0x04, pic.Master.Irr);

        pic.WritePort(0x20, 0x11);
        pic.WritePort(0x21, MasterBase);
        pic.WritePort(0x21, 0x04);
        pic.WritePort(0x21, 0x01);
        Assert.Equal(0x10, pic.Slave.Irr);
        Assert.Equal(0, pic.Master.Irr);
        Assert.False(pic.IntrAsserted);

        pic.WritePort(0xA1, 0x10); // slave INT drops
        pic.WritePort(0xA1, 0x00); // and rises: a new edge on IR2
        Assert.True(pic.IntrAsserted);
        Assert.Equal(SlaveBase + 4, pic.Acknowledge());
    }

    [Fact]
    public void Special_fully_nested_mode_lets_a_higher_slave_IRQ_nest_on_the_master_ICW4_SFNM()
    {
        var (pic, _) = Create(masterIcw4: 0x11);
        Raise(pic, 12);
        Assert.Equal(SlaveBase + 4, pic.Acknowledge());
        Raise(pic, 9);
        Assert.True(pic.IntrAsserted);
        Assert.Equal(SlaveBase + 1, pic.Acknowledge());

        var (normal, _) = Create();
        Raise(normal, 12);
        normal.Acknowledge();
        Raise(normal, 9);
        Assert.False(normal.IntrAsserted);
    }

    [Fact]
    public void IntrChanged_is_reported_only_on_changes_QEMU_pic_update_irq()
    {
        var (pic, host) = Create();
        Raise(pic, 3);
        Raise(pic, 4);
        pic.WritePort(0x21, 0x00);
        Assert.Equal([true], host.Changes);
        pic.Acknowledge();
        pic.WritePort(0x20, 0x20);
        Assert.Equal([true, false, true], host.Changes);
    }

    [Fact]
    public void Unknown_ports_read_0xFF_and_ignore_writes_floating_ISA_bus()
    {
        var (pic, host) = Create();
        pic.WritePort(0x22, 0x00);
        Assert.Equal(0xFF, pic.ReadPort(0x22));
        Assert.Empty(host.Changes);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(16)]
    public void SetIrq_rejects_lines_outside_0_to_15(int irq)
    {
        var (pic, _) = Create();
        Assert.Throws<ArgumentOutOfRangeException>(() => pic.SetIrq(irq, true));
    }

    /// <summary>
    /// 8259A datasheet, ICW1 (SNGL = 1: "only one 8259A in the system", no ICW3) and ICW3 (master: "a 1 is set for each
    /// IR line that has a slave"): the master hands the INTA of IR2 to the slave only in cascade mode with ICW3 bit 2;
    /// otherwise IR2 is an ordinary input and the master supplies base | 2 itself.
    /// </summary>
    [Theory]
    [InlineData(new byte[] { 0x13, MasterBase, 0x01 }, false)]       // single mode: ICW2, ICW4
    [InlineData(new byte[] { 0x12, MasterBase }, false)]             // single mode, no ICW4
    [InlineData(new byte[] { 0x11, MasterBase, 0x00, 0x01 }, false)] // cascade, but ICW3 names no slave
    [InlineData(new byte[] { 0x11, MasterBase, 0x08, 0x01 }, false)] // cascade, a slave on IR3 only
    [InlineData(new byte[] { 0x11, MasterBase, 0x04, 0x01 }, true)]  // the PC: slave on IR2
    public void IR2_is_a_cascade_input_only_in_cascade_mode_with_ICW3_bit_2_datasheet_ICW1_SNGL_ICW3(byte[] masterInit, bool cascaded)
    {
        var pic = new Pic8259Pair(new PicHostRecorder());
        pic.WritePort(0x20, masterInit[0]);
        foreach (var icw in masterInit.AsSpan(1))
        {
            pic.WritePort(0x21, icw);
        }

        pic.WritePort(0xA0, 0x11);
        pic.WritePort(0xA1, SlaveBase);
        pic.WritePort(0xA1, 0x02);
        pic.WritePort(0xA1, 0x01);
        Assert.False(pic.Master.Initializing);
        Raise(pic, 12);                          // slave input 4 drives master IR2
        Assert.True(pic.IntrAsserted);
        int vector = pic.Acknowledge();
        Assert.Equal(cascaded ? SlaveBase + 4 : MasterBase + 2, vector);
        Assert.Equal(0x04, pic.Master.Isr);
        Assert.Equal(cascaded ? 0x10 : 0x00, pic.Slave.Isr); // the slave saw no INTA: its request stays in IRR
        Assert.Equal(cascaded ? 0x00 : 0x10, pic.Slave.Irr);
        Assert.Equal(0, pic.SpuriousCount);
    }

    /// <summary>
    /// 8259A datasheet, ICW1: with LTIM "edge detect logic on the interrupt inputs will be disabled", so IRR follows the
    /// level of a line already held high at initialization; without LTIM "the edge sense circuit is reset ... an IR input
    /// must make a low-to-high transition", so the held line (here shared: a second device asserting it again) latches
    /// nothing until it drops and rises. The same level rule holds for an input ELCR makes level-sensitive.
    /// </summary>
    [Theory]
    [InlineData(0x1B, 0x08)] // LTIM + SNGL + IC4: IR3 held high is a request at once
    [InlineData(0x13, 0x00)] // edge: no transition after ICW1, no request
    public void A_line_held_high_across_ICW1_is_a_request_only_under_LTIM_datasheet_ICW1(byte icw1, byte irr)
    {
        var pic = new Pic8259Pair(new PicHostRecorder());
        pic.SetIrq(3, true);
        pic.WritePort(0x20, icw1);
        pic.WritePort(0x21, 0x08);
        pic.WritePort(0x21, 0x01);
        Assert.Equal(irr, pic.Master.Irr);
        pic.SetIrq(3, true);       // still high (a wire-OR partner asserting too): no edge
        Assert.Equal(irr, pic.Master.Irr);
        Assert.Equal(irr != 0, pic.IntrAsserted);
        pic.SetIrq(3, false);
        pic.SetIrq(3, true);       // a real low-to-high transition latches in both modes
        Assert.Equal(0x08, pic.Master.Irr);
        Assert.Equal(0x08 + 3, pic.Acknowledge());
    }

    /// <summary>ICH/PCH ELCR (0x4D0): a level-mode input is recognized "by a high level on the IRQ input".</summary>
    [Fact]
    public void An_input_made_level_by_ELCR_while_its_line_is_high_requests_at_once_ELCR()
    {
        var (pic, _) = Create();
        pic.SetIrq(5, true);
        Assert.Equal(MasterBase + 5, pic.Acknowledge());
        pic.WritePort(0x20, 0x20);  // EOI; the line stays high, no new edge
        Assert.False(pic.IntrAsserted);
        pic.WritePort(0x4D0, 0x20); // IRQ5 level-sensitive
        Assert.Equal(0x20, pic.Master.Irr);
        Assert.Equal(MasterBase + 5, pic.Acknowledge());
    }
}
