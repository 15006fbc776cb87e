using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Level-triggered wired lines in linux mode, end to end through scenarios (an audit's regression cases, each checked
/// against its primary source): the EOI broadcast matched by vector at the IO-APIC, <c>ioapic_ack_level()</c>'s
/// misrouted path, <c>note_interrupt()</c>'s HZ/10 ageing and the XT-PIC flow's disable.
/// </summary>
public sealed class LinuxLevelLineTests
{
    /// <summary>
    /// 82093AA datasheet (Remote IRR: "reset when an EOI message is received from a local APIC" whose vector matches
    /// the entry's) and SDM Vol. 3A §11.8.5 (the EOI broadcast carries the vector): two pins routed to different CPUs with
    /// the same vector number (Linux's per-CPU vector allocation gives both 0x20) — CPU 0's EOI also clears the remote
    /// IRR of the pin whose interrupt CPU 1 is still handling, so a re-assertion then is sent at once and waits in CPU 1's
    /// IRR (not at the IO-APIC) until CPU 1's EOI.
    /// </summary>
    [Fact]
    public void Eoi_broadcast_clears_remote_irr_of_every_pin_with_that_vector_82093AA()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: same-vector-eoi-broadcast
            kernel: {version: latest}
            machine: {cpus: 2, apic: x2apic}
            devices:
              - {name: a, line: {ioapic: 0, pin: 16, trigger: level, polarity: low}, handler: {returns: handled, cost: 1us}}
              - {name: b, line: {ioapic: 0, pin: 17, trigger: level, polarity: low}, handler: {returns: handled, cost: 5us}}
            steps:
              - {raise: a}
              - {raise: b}
              - {advance: 500ns}
              - {read: {ioapic: 0, reg: redir.17, as: both_in_service}}
              - {advance: 1us}
              - {read: {ioapic: 0, reg: redir.17, as: after_cpu0_eoi}}
              - {advance: 500ns}
              - {raise: b}
              - {advance: 100ns}
              - {read: {cpu: 1, reg: apic.irr, as: cpu1_irr}}
              - {advance: 10us}
            """);

        Assert.True(r.Dispatch.Count == 3, Sim.Describe(r));
        Assert.Equal(0x20, r.Dispatch[0].Vector);
        Assert.Equal(0x20, r.Dispatch[1].Vector);
        Assert.Equal(1, r.Dispatch[1].Cpu);
        Assert.NotEqual(0UL, Sim.Read(r, "both_in_service").Scalar & (1UL << 14));
        Assert.Equal(0UL, Sim.Read(r, "after_cpu0_eoi").Scalar & (1UL << 14));
        Assert.Equal(new[] { 0x20 }, Sim.Read(r, "cpu1_irr").List!);
        Assert.Equal((1, 5000L), (r.Dispatch[2].Cpu, r.Dispatch[2].TimeNs));
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// arch/x86/kernel/apic/io_apic.c <c>ioapic_ack_level()</c>: a level irq whose vector the local APIC took as edge
    /// (TMR bit clear: here the scenario reprogrammed the entry edge) counts in <c>irq_mis_count</c> (MIS) and gets an
    /// explicit <c>eoi_ioapic_pin()</c>; the handler runs once and nothing storms although the device stays asserted.
    /// </summary>
    [Fact]
    public void Level_irq_taken_as_edge_counts_MIS_once_io_apic_ioapic_ack_level()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: level-irq-edge-rte
            kernel: {version: latest}
            machine: {cpus: 1}
            devices:
              - {name: a, line: {ioapic: 0, pin: 16, trigger: level, polarity: low}, handler: {returns: none, cost: 1us}}
            steps:
              - {write: {ioapic: 0, reg: redir.16, value: 0x2020}}
              - {raise: a}
              - {advance: 20us}
              - {read: {cpu: 0, reg: apic.tmr, as: tmr}}
            """);

        Assert.True(r.Dispatch.Count == 1, Sim.Describe(r));
        Assert.Equal(1UL, Sim.Count(r, "16", 0));
        Assert.Equal(1UL, Sim.Count(r, "MIS", 0));
        Assert.Empty(Sim.Read(r, "tmr").List!);
    }

    /// <summary>
    /// kernel/irq/spurious.c <c>note_interrupt()</c>: <c>if (time_after(jiffies, desc->last_unhandled + HZ/10))
    /// desc->irqs_unhandled = 1;</c> — two level storms of unhandled interrupts (60,001 each) separated by more than
    /// 100 jiffies (HZ=1000) never reach 99,901 unhandled in one 100,000 window; separated by less, the second storm
    /// trips at the 100,000th interrupt. The first storm's last interrupt is at jiffy 60 (t = 60 ms, before the
    /// <c>lower</c> step), so the test is strict: a second storm from jiffy 160 still trips, one from jiffy 161 does not.
    /// </summary>
    [Theory]
    [InlineData("100ms", true)]  // second storm from jiffy 160: not after 60 + 100
    [InlineData("101ms", false)] // from jiffy 161: after it, the count restarts at 1
    public void Unhandled_storms_more_than_HZ_over_10_apart_do_not_add_up_spurious_c(string gap, bool trips)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: ageing
            kernel: {version: "6.1"}
            machine: {cpus: 1}
            devices:
              - {name: flaky, line: {ioapic: 0, pin: 10, trigger: level, polarity: low}, handler: {returns: none, cost: 1us}}
            steps:
              - {raise: flaky}
              - {advance: 60ms}
              - {lower: flaky}
              - {advance: {{{gap}}} }
              - {raise: flaky}
              - {advance: 60ms}
              - {lower: flaky}
              - {advance: 1ms}
            """);

        var tripped = r.Messages.Any(m => m.Text == "irq 10: nobody cared (try booting with the \"irqpoll\" option)");
        Assert.Equal(trips, tripped);
        Assert.Equal(trips, r.Messages.Any(m => m.Text == "Disabling IRQ #10"));
        Assert.Equal(trips ? 100_000UL : 120_002UL, Sim.Count(r, "10", 0));
    }

    /// <summary>
    /// kernel/irq/chip.c <c>handle_level_irq()</c> on the 8259 (an ISA line set level through the ELCR,
    /// arch/x86/pci/irq.c <c>elcr_set_level_irq()</c>): the line is masked and acked before the handlers and
    /// <c>cond_unmask_irq()</c> leaves it masked once <c>note_interrupt()</c> disabled the irq, so the storm ends at
    /// exactly the 100,000th interrupt, with no further entry, and the slave's IMR keeps IRQ 11 (bit 3) masked.
    /// </summary>
    [Fact]
    public void XtPic_level_storm_ends_at_the_100000th_interrupt_with_the_line_masked_chip_c_handle_level_irq()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: pic-level-storm
            kernel: {version: "6.1"}
            machine: {cpus: 1, ioapics: []}
            devices:
              - {name: flaky, line: {isa: 11, trigger: level, polarity: low}, handler: {returns: none, cost: 1us}}
            steps:
              - {read: {port: 0x4D1, as: elcr1}}
              - {raise: flaky}
              - {advance: 150ms}
              - {read: {port: 0xA1, as: imr_slave}}
            """);

        Assert.Equal(0x08UL, Sim.Read(r, "elcr1").Scalar);
        Assert.Equal(100_000L, r.Stats.Handlers);
        Assert.Equal(100_000UL, Sim.Count(r, "11", 0));
        Assert.Contains(r.Messages, m => m.Text == "Disabling IRQ #11");
        Assert.NotEqual(0UL, Sim.Read(r, "imr_slave").Scalar & 0x08);
    }
}
