using IrqLab.Simulation.Output;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// <c>handle_fasteoi_irq()</c> (kernel/irq/chip.c) runs the handlers (<c>handle_irq_event()</c>) and only then EOIs
/// (<c>cond_unmask_eoi_irq()</c> → <c>ioapic_ack_level()</c>, arch/x86/kernel/apic/io_apic.c). Until that EOI the
/// IO-APIC's remote IRR holds the level line (82093AA datasheet §3.2.4), so a line the device deasserts while the
/// handlers spend their cost is not delivered again; one still asserted at the EOI is. <c>handle_level_irq()</c> (the
/// XT-PIC flow) likewise unmasks the 8259 input only after the handlers (<c>cond_unmask_irq()</c>).
/// </summary>
public sealed class FlowEndAtHandlerEndTests
{
    private static RunResult Run(string returns, string steps) => Sim.Run($$"""
        irqlab: 1
        name: fasteoi-end
        kernel: {version: "6.10"}
        machine: {cpus: 1}
        devices:
          - name: dev
            line: {ioapic: 0, pin: 11, trigger: level, polarity: low}
            handler: {returns: {{returns}}, cost: 1us}
        steps: {{steps}}
        """);

    private static RunResult RunXtPic(string steps) => Sim.Run($$"""
        irqlab: 1
        name: level-end
        kernel: {version: "6.10"}
        machine: {cpus: 1, ioapics: []}
        devices:
          - name: dev
            line: {isa: 11, trigger: level}
            handler: {returns: none, cost: 1us}
        steps: {{steps}}
        """);

    public static TheoryData<string, string, ulong> Cases => new()
    {
        // returns none keeps the line asserted: a storm, one interrupt per microsecond, at 0, 1, ..., 50 us. The one
        // entered at 50 us EOIs at 51 us, after the lower step: 51 interrupts, not a 52nd.
        { "none", "[{raise: dev}, {advance: 50us}, {lower: dev}, {advance: 10us}]", 51 },
        // The driver's acknowledge deasserts the line; the device asserts it again at 0.5 us and withdraws it at
        // 0.8 us, both before the EOI at 1 us: nothing is left to deliver.
        { "handled", "[{raise: dev}, {advance: 500ns}, {raise: dev}, {advance: 300ns}, {lower: dev}, {advance: 10us}]", 1 },
        // Still asserted at the EOI: delivered again when the handler ends.
        { "handled", "[{raise: dev}, {advance: 500ns}, {raise: dev}, {advance: 10us}]", 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_level_line_is_delivered_again_only_if_still_asserted_when_the_handlers_end(string returns, string steps, ulong count)
    {
        var r = Run(returns, steps);

        Assert.True(count == Sim.Count(r, "11", 0), Sim.Describe(r));
        Assert.Null(Sim.Unconserved(r));
    }

    [Fact]
    public void An_xt_pic_storm_lowered_during_a_handler_ends_without_a_spurious_interrupt()
    {
        // handle_level_irq(): mask_ack_irq(), the handler, then cond_unmask_irq(). The handler entered at 50 us unmasks
        // IRQ 11 at 51 us, after the lower step: the 8259 sees no request (level-sensitive via the ELCR), so neither a
        // 52nd interrupt nor a request withdrawn before INTA (which the slave answers with IRQ 15, "spurious 8259A
        // interrupt: IRQ15.", arch/x86/kernel/i8259.c).
        var r = RunXtPic("[{raise: dev}, {advance: 50us}, {lower: dev}, {advance: 10us}]");

        Assert.True(Sim.Count(r, "11", 0) == 51 && r.Dispatch.Count == 51, Sim.Describe(r));
        Assert.DoesNotContain(r.Messages, m => m.Text.Contains("spurious 8259A", StringComparison.Ordinal));
        Assert.Equal(0UL, Sim.Count(r, "ERR", 0));
    }

    [Fact]
    public void Remote_irr_and_the_isr_bit_stay_set_while_the_handler_runs()
    {
        var r = Run("handled", """
            [{raise: dev}, {advance: 500ns},
             {read: {ioapic: 0, reg: redir.11, as: during}}, {read: {cpu: 0, reg: apic.isr, as: isr_during}},
             {advance: 1us},
             {read: {ioapic: 0, reg: redir.11, as: after}}, {read: {cpu: 0, reg: apic.isr, as: isr_after}}]
            """);

        // Redirection entry: vector 0x20, logical destination (bit 11: the flat driver of 6.6 on one CPU), active low
        // (bit 13), level (bit 15), remote IRR (bit 14) until the EOI.
        ReadValue Read(string name) => Sim.Read(r, name);
        Assert.Equal(0xE820UL, Read("during").Scalar & 0x1FFFF);
        Assert.Equal([0x20], Read("isr_during").List!);
        Assert.Equal(0xA820UL, Read("after").Scalar & 0x1FFFF);
        Assert.Empty(Read("isr_after").List!);
    }
}
