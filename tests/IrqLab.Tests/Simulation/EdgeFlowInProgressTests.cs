using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// <c>handle_edge_irq()</c> (kernel/irq/chip.c, 6.1 to the newest tree) while its actions run: <c>handle_irq_event()</c>
/// keeps IRQD_IRQ_INPROGRESS set around them, so an edge of the same irq taken meanwhile (nested, because a step set IF
/// while the handler ran; edge flows EOI before their actions, so the vector can nest) finds <c>irq_may_run()</c> false:
/// it sets IRQS_PENDING, masks and acks the line and returns without counting (kstat is incremented after that test).
/// The interrupted flow's loop, <c>while ((desc-&gt;istate &amp; IRQS_PENDING) &amp;&amp; !irqd_irq_disabled(...))</c>,
/// then unmasks the line and runs the actions once more (not counted) before the handler returns. Up to 6.16: the
/// newest tree waits instead (<see cref="EdgeFlowWaitOnInProgressTests"/>).
/// </summary>
public sealed class EdgeFlowInProgressTests
{
    /// <summary>
    /// The raise at 0, the nested raise at 2 us (entered, not run), the IPI sent at 12 us taken only after the replay
    /// (10 to 20 us), and the raise at 42 us counted again.
    /// </summary>
    private static readonly (long TimeNs, string Handler, int Depth)[] NestedThenReplayed =
    [
        (0L, "common_interrupt", 0), (2_000L, "common_interrupt", 1), (20_000L, "sysvec_call_function", 0),
        (42_000L, "common_interrupt", 0),
    ];

    private static void AssertDispatches(IrqLab.Simulation.Output.RunResult r, (long TimeNs, string Handler, int Depth)[] expected, string why) =>
        Assert.True(r.Dispatch.Select(d => (d.TimeNs, d.Handler, d.Depth)).SequenceEqual(expected), why);

    /// <summary>
    /// The device raised at 0 and again at 2 us, inside its 10 us handler with IF set at 1 us: two handler entries, one
    /// count; the line is masked from the nested entry until the replay, which runs 10 to 20 us, so an IPI sent at 12 us
    /// is taken at 20 us; the next raise, at 42 us, is counted again (the line was unmasked).
    /// </summary>
    [Theory]
    [InlineData("6.1", "idt")]
    [InlineData("6.6", "idt")]
    [InlineData("6.9", "fred")]
    [InlineData("6.10", "fred")]
    public void An_edge_of_an_irq_in_progress_is_left_pending_and_replayed_at_the_end_kernel_irq_chip_c(
        string version, string delivery)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: edge-in-progress
            kernel: {version: "{{{version}}}", delivery: {{{delivery}}}}
            machine: {cpus: 1}
            devices:
              - {name: e, line: {ioapic: 0, pin: 5}, handler: {returns: handled, cost: 10us}}
            steps:
              - {raise: e}
              - {advance: 1us}
              - {sti: {cpu: 0}}
              - {advance: 1us}
              - {raise: e}
              - {advance: 1us}
              - {read: {ioapic: 0, reg: redir.5, as: during}}
              - {advance: 9us}
              - {ipi: {from: 0, to: self, vector: CALL_FUNCTION_VECTOR}}
              - {advance: 30us}
              - {read: {ioapic: 0, reg: redir.5, as: after}}
              - {raise: e}
              - {advance: 30us}
            """);
        var why = Sim.Describe(r);
        AssertDispatches(r, NestedThenReplayed, why);
        Assert.True(Sim.Count(r, "5", 0) == 2, why);
        Assert.True((Sim.Read(r, "during").Scalar & 0x1_0000) != 0, "the nested entry's mask_ack_irq() masks the pin\n" + why);
        Assert.True((Sim.Read(r, "after").Scalar & 0x1_0000) == 0, "the replay unmasks it\n" + why);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>An MSI-X vector the same way: masked by the nested entry, unmasked by the replay, one count per flow.</summary>
    [Fact]
    public void An_msix_edge_in_progress_is_replayed_the_same_way_kernel_irq_chip_c()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: msix-in-progress
            kernel: {version: "6.10", delivery: fred}
            machine: {cpus: 1}
            devices:
              - {name: e, msix: {vectors: 1}, handler: {returns: handled, cost: 10us}}
            steps:
              - {raise: e}
              - {advance: 1us}
              - {sti: {cpu: 0}}
              - {advance: 1us}
              - {raise: e}
              - {advance: 10us}
              - {ipi: {from: 0, to: self, vector: CALL_FUNCTION_VECTOR}}
              - {advance: 30us}
              - {raise: e}
              - {advance: 30us}
            """);
        var why = Sim.Describe(r);
        AssertDispatches(r, NestedThenReplayed, why);
        Assert.True(Sim.Count(r, "24", 0) == 2, why);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>Without a nested edge nothing changes: a handler with IF clear throughout returns after its own time.</summary>
    [Fact]
    public void An_edge_taken_after_the_handler_returned_is_counted_kernel_irq_chip_c()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: edge-after
            machine: {cpus: 1}
            devices:
              - {name: e, line: {ioapic: 0, pin: 5}, handler: {returns: handled, cost: 10us}}
            steps:
              - {raise: e}
              - {advance: 2us}
              - {raise: e}
              - {ipi: {from: 0, to: self, vector: CALL_FUNCTION_VECTOR}}
              - {advance: 30us}
            """);
        var why = Sim.Describe(r);
        AssertDispatches(r, [(0L, "common_interrupt", 0), (10_000L, "sysvec_call_function", 0), (10_000L, "common_interrupt", 0)], why);
        Assert.True(Sim.Count(r, "5", 0) == 2, why);
    }
}
