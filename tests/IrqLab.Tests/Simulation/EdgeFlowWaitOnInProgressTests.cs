using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// <c>handle_edge_irq()</c> of the newest tree (<c>latest</c>): "genirq: Prevent migration live lock in
/// handle_edge_irq()" (8d39d6ec4db5, merged for v6.17-rc1) makes <c>irq_can_handle_pm()</c> (kernel/irq/chip.c) busy-wait in
/// <c>irq_wait_on_inprogress()</c> until IRQD_IRQ_INPROGRESS clears when the irq is a single-target edge irq in progress
/// and the first CPU of its effective affinity is the one taking the edge. An x86 vector irq (MSI, MSI-X, IO-APIC edge)
/// has one target, the CPU that runs its handler, so an edge of it nested in that handler (a step set IF while it ran)
/// waits for good with IF clear: no PENDING, no <c>mask_ack_irq()</c> (so no EOI of the nested vector), no replay, and
/// the outer action never returns (so no "enabled interrupts" WARN either). NMIs are still taken. Up to 6.16 the edge is
/// left pending and replayed instead (<see cref="EdgeFlowInProgressTests"/>).
/// </summary>
public sealed class EdgeFlowWaitOnInProgressTests
{
    [Theory]
    [InlineData("{ioapic: 0, pin: 5}", "idt", "5")]
    [InlineData("{ioapic: 0, pin: 5}", "fred", "5")]
    [InlineData("msix", "idt", "24")]
    [InlineData("msix", "fred", "24")]
    public void A_nested_edge_of_the_irq_in_progress_waits_for_good_on_latest_kernel_irq_chip_c_irq_can_handle_pm(
        string source, string delivery, string row)
    {
        var device = source == "msix" ? "msix: {vectors: 1}" : $"line: {source}";
        var r = Sim.Run($$$"""
            irqlab: 1
            name: edge-wait-on-inprogress
            kernel: {version: latest, delivery: {{{delivery}}}}
            machine: {cpus: 2}
            devices:
              - {name: e, {{{device}}}, handler: {returns: handled, cost: 10us}}
            steps:
              - {raise: e}
              - {advance: 1us}
              - {sti: {cpu: 0}}
              - {advance: 1us}
              - {raise: e}
              - {advance: 9us}
              - {ipi: {from: 1, to: 0, vector: CALL_FUNCTION_VECTOR}}
              - {advance: 30us}
              - {raise: e}
              - {advance: 10us}
              - {nmi: {cpu: 0}}
              - {advance: 10us}
              - {read: {cpu: 0, reg: apic.isr, as: isr}}
              - {cli: {cpu: 0}}
            """);
        var why = Sim.Describe(r);
        Assert.True(r.Dispatch.All(d => d.Cpu == 0), "the irq's vector is on CPU 0\n" + why);
        Assert.True(
            r.Dispatch.Select(d => (d.TimeNs, d.Handler, d.Depth)).SequenceEqual(
                [(0L, "common_interrupt", 0), (2_000L, "common_interrupt", 1), (51_000L, "exc_nmi", 2)]),
            "the nested entry never returns: no replay, no later IPI or edge, only the NMI\n" + why);
        Assert.True(Sim.Count(r, row, 0) == 1, why);
        Assert.DoesNotContain(r.Messages, m => m.Text.Contains("enabled interrupts", StringComparison.Ordinal));
        Assert.True(Sim.Read(r, "isr").List!.Contains(r.Dispatch[1].Vector),
            "no mask_ack_irq(), so the nested vector is never EOId\n" + why);
        Assert.Contains(r.Messages, m => m.Text.Contains("which executes no program (spinning for good in irq_wait_on_inprogress())", StringComparison.Ordinal));
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// The wait is behind <c>IS_ENABLED(CONFIG_GENERIC_IRQ_EFFECTIVE_AFF_MASK)</c> in <c>irq_can_handle_pm()</c>
    /// (kernel/irq/chip.c, 8d39d6ec4db5), and arch/x86/Kconfig has <c>select GENERIC_IRQ_EFFECTIVE_AFF_MASK if SMP</c>:
    /// a <c>latest</c> kernel built without SMP returns false there, so <c>handle_edge_irq()</c> leaves the nested edge
    /// PENDING, masks and acks it and replays it after the outer action, exactly as 6.10 does.
    /// </summary>
    [Theory]
    [InlineData("idt")]
    [InlineData("fred")]
    public void Without_SMP_latest_leaves_a_nested_edge_pending_as_6_10_arch_x86_Kconfig_GENERIC_IRQ_EFFECTIVE_AFF_MASK_if_SMP(
        string delivery)
    {
        string Scenario(string version) => $$$"""
            irqlab: 1
            name: edge-nosmp
            kernel: {version: "{{{version}}}", delivery: {{{delivery}}}, config: {SMP: false}}
            machine: {cpus: 1}
            devices:
              - {name: e, line: {ioapic: 0, pin: 5}, handler: {returns: handled, cost: 10us}}
            steps:
              - {raise: e}
              - {advance: 1us}
              - {sti: {cpu: 0}}
              - {advance: 1us}
              - {raise: e}
              - {advance: 30us}
              - {read: {cpu: 0, reg: apic.isr, as: isr}}
              - {cli: {cpu: 0}}
            """;
        var latest = Sim.Run(Scenario("latest"));
        var v610 = Sim.Run(Scenario("6.10"));
        var why = Sim.Describe(latest);
        Assert.DoesNotContain(latest.Messages, m => m.Text.Contains("irq_wait_on_inprogress", StringComparison.Ordinal));
        Assert.Empty(Sim.Read(latest, "isr").List!);
        Assert.True(
            latest.Dispatch.Select(d => (d.TimeNs, d.Handler, d.Depth)).SequenceEqual(
                v610.Dispatch.Select(d => (d.TimeNs, d.Handler, d.Depth))),
            "the same flow as 6.10: the nested entry returns after PENDING + mask_ack\n" + why);
        Assert.Equal(Sim.Count(v610, "5", 0), Sim.Count(latest, "5", 0));
        Assert.Equal(
            v610.Messages.Select(m => m.Text),
            latest.Messages.Select(m => m.Text));
        Assert.Null(Sim.Unconserved(latest));
    }
}
