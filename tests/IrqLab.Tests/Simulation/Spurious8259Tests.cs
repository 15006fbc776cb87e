using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Linux on a PIC-only machine (XT-PIC, handle_level_irq): <c>mask_and_ack_8259A()</c> (arch/x86/kernel/i8259.c)
/// checks an irq it had already masked (<c>cached_irq_mask</c>, all lines after <c>init_8259A()</c>) with
/// <c>i8259A_irq_real()</c>; an irq not in service in the 8259 is a spurious 8259A interrupt: "spurious 8259A
/// interrupt: IRQ%d." once per irq (KERN_DEBUG), ERR (<c>irq_err_count</c>) for each. A spurious IRQ15 comes from the
/// slave withdrawing its request after the master latched it on IR2 (8259A datasheet: the slave answers IR7 with the
/// master's ISR2 set; QEMU <c>pic_read_irq</c>); the specific EOI to master IR2 then clears it.
/// </summary>
public sealed class Spurious8259Tests
{
    [Theory]
    [InlineData("6.1", 1)]
    [InlineData("6.6", 2)]
    [InlineData("latest", 3)]
    public void A_spurious_IRQ15_is_reported_once_and_counted_each_time_i8259_c_mask_and_ack_8259A(string version, int times)
    {
        var steps = string.Concat(Enumerable.Repeat("""
              - {cli: {cpu: 0}}
              - {pulse: mouse}
              - {write: {port: 0xA1, value: 0xFF}}
              - {sti: {cpu: 0}}
              - {advance: 10us}
              - {write: {port: 0xA1, value: 0xEF}}

            """, times));
        var r = Sim.Run($$$"""
            irqlab: 1
            name: spurious-irq15
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 1, ioapics: []}
            devices:
              - {name: mouse, line: {isa: 12}, handler: {returns: handled, cost: 1us}}
            steps:
              - {pulse: mouse}
              - {advance: 10us}
            """ + "\n" + steps + """
              - {write: {port: 0x20, value: 0x0B}}
              - {read: {port: 0x20, as: master_isr}}
            """);

        // Each round: the spurious IRQ15, then the mouse request the slave kept latched in IRR once it is unmasked.
        Assert.Equal([12, .. Enumerable.Repeat(new[] { 15, 12 }, times).SelectMany(x => x)], r.Dispatch.Select(d => d.Irq ?? -1).ToArray());
        var message = Assert.Single(r.Messages);
        Assert.Equal(("debug", "spurious 8259A interrupt: IRQ15."), (message.Level, message.Text));
        Assert.Equal((ulong)times, Sim.Count(r, "ERR", 0));
        Assert.Equal(0UL, Sim.Read(r, "master_isr").Scalar); // specific EOI to IR2
        Assert.Equal((ulong)(1 + times), Sim.Count(r, "12", 0));
    }

    /// <summary>
    /// <c>i8259A_irq_real()</c> reads the ISR with OCW3 0x0B and then writes OCW3 0x0A, "back to the IRR register": after
    /// the spurious check the slave's command port reads IRR again, although the scenario had selected the ISR.
    /// </summary>
    [Fact]
    public void The_spurious_check_leaves_the_8259_reading_IRR_i8259_c_i8259A_irq_real()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: irq-real-ocw3
            kernel: {version: "6.6"}
            machine: {cpus: 1, ioapics: []}
            devices:
              - {name: mouse, line: {isa: 12}, handler: {returns: handled, cost: 1us}}
            steps:
              - {write: {port: 0xA0, value: 0x0B}}
              - {cli: {cpu: 0}}
              - {pulse: mouse}
              - {read: {port: 0xA0, as: before}}
              - {write: {port: 0xA1, value: 0xFF}}
              - {sti: {cpu: 0}}
              - {advance: 10us}
              - {cli: {cpu: 0}}
              - {pulse: mouse}
              - {read: {port: 0xA0, as: after}}
              - {sti: {cpu: 0}}
              - {advance: 10us}
            """);

        Assert.Equal(new[] { 15, 12, 12 }, r.Dispatch.Select(d => d.Irq ?? -1).ToArray());
        Assert.Equal(0UL, Sim.Read(r, "before").Scalar);   // ISR, as the scenario selected
        Assert.Equal(0x10UL, Sim.Read(r, "after").Scalar); // IRR: IRQ12 latched, not yet acknowledged
    }

    [Fact]
    public void A_real_interrupt_on_an_unmasked_irq_is_not_spurious()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: real-irq12
            kernel: {version: latest}
            machine: {cpus: 1, ioapics: []}
            devices:
              - {name: mouse, line: {isa: 12}, handler: {returns: handled, cost: 1us}}
            steps:
              - {pulse: mouse}
              - {advance: 10us}
              - {pulse: mouse}
              - {advance: 10us}
            """);
        Assert.Equal(2UL, Sim.Count(r, "12", 0));
        Assert.Empty(r.Messages);
        Assert.Equal(0UL, Sim.Count(r, "ERR", 0));
    }
}
