using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// An interrupt of an irq whose actions are still running (IRQD_IRQ_INPROGRESS, set by <c>handle_irq_event()</c> in
/// kernel/irq/handle.c around them) reaching a flow handler of kernel/irq/chip.c on another CPU, or nested on the same one.
/// <list type="bullet">
/// <item><c>handle_level_irq()</c> (XT-PIC, on every CPU's <c>vector_irq</c> when there is no IO-APIC): <c>mask_ack_irq()</c>
/// first, then <c>irq_may_run()</c> (6.1-6.16) / <c>irq_can_handle()</c> (newest, whose <c>irq_can_handle_pm()</c> waits only
/// for <c>handle_edge_irq</c>) is false: return, uncounted, no IRQS_PENDING; the first CPU's <c>cond_unmask_irq()</c>
/// unmasks the line at the end of its actions.</item>
/// <item><c>handle_fasteoi_irq()</c> (IO-APIC level): the chip EOI only (<c>cond_eoi_irq()</c>), uncounted.</item>
/// <item><c>handle_edge_irq()</c>: an x86 vector irq is in one CPU's <c>vector_irq</c> only, so an edge sent to another CPU
/// by rewriting its IO-APIC redirection entry never reaches the flow there: <c>common_interrupt</c> finds no descriptor
/// and reports "No irq handler" (arch/x86/kernel/irq.c), whatever the first CPU is doing.</item>
/// </list>
/// Such an interrupt reaches the level and fasteoi flows by an IPI carrying the irq's vector.
/// </summary>
public sealed class FlowInProgressElsewhereTests
{
    public static TheoryData<string, string> VersionsAndDeliveries => new()
    {
        { "6.1", "idt" }, { "6.6", "idt" }, { "6.9", "fred" }, { "6.10", "fred" }, { "latest", "idt" }, { "latest", "fred" },
    };

    /// <summary>
    /// No IO-APIC: ISA IRQ 5 is XT-PIC irq 5 on vector 0x35 of both CPUs. CPU 0 runs its 10 us handler from 0; at 1 us
    /// CPU 1 sends itself vector 0x35: <c>handle_level_irq()</c> on CPU 1 masks and acks (the line is already masked and
    /// not in service: "spurious 8259A interrupt", ERR) and returns uncounted, so the IPI CPU 0 sends CPU 1 at 2 us is
    /// taken at once; at 10 us CPU 0's <c>cond_unmask_irq()</c> unmasks, and the raise at 40 us is counted on CPU 0.
    /// </summary>
    [Theory]
    [MemberData(nameof(VersionsAndDeliveries))]
    public void An_xt_pic_irq_in_progress_on_another_cpu_is_not_run_there_kernel_irq_chip_c_handle_level_irq(
        string version, string delivery)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: level-in-progress-elsewhere
            kernel: {version: "{{{version}}}", delivery: {{{delivery}}}}
            machine: {cpus: 2, ioapics: []}
            devices:
              - {name: e, line: {isa: 5}, handler: {returns: handled, cost: 10us}}
            steps:
              - {raise: e}
              - {advance: 1us}
              - {ipi: {from: 1, to: self, vector: 0x35}}
              - {advance: 1us}
              - {ipi: {from: 0, to: 1, vector: CALL_FUNCTION_VECTOR}}
              - {lower: e}
              - {advance: 38us}
              - {raise: e}
              - {advance: 20us}
              - {write: {port: 0x20, value: 0x0B}}
              - {read: {port: 0x20, as: isr}}
            """);
        var why = Sim.Describe(r);
        Assert.True(
            r.Dispatch.Select(d => (d.TimeNs, d.Cpu, d.Handler, d.Irq)).SequenceEqual(
                [(0L, 0, "common_interrupt", 5), (1_000L, 1, "common_interrupt", 5), (2_000L, 1, "sysvec_call_function", null),
                 (40_000L, 0, "common_interrupt", 5)]),
            "CPU 1's entry spends no time, so the IPI at 2 us is taken at once\n" + why);
        Assert.True(Sim.Count(r, "5", 0) == 2 && Sim.Count(r, "5", 1) == 0, "counted only where the actions ran\n" + why);
        Assert.Contains(r.Messages, m => m.Cpu == 1 && m.Text == "spurious 8259A interrupt: IRQ5.");
        Assert.True(r.InterruptRows.Single(x => x.Row == "ERR").Counts.Sum(c => (long)c) == 1, "irq_err_count, once\n" + why);
        Assert.True(Sim.Read(r, "isr").Scalar == 0, "every 8259 ack was a specific EOI\n" + why);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// The same irq nested on CPU 0 (IF set at 1 us, then a self-IPI on 0x35): the nested entry returns at once,
    /// uncounted, so the handler's actions end at 10 us, where <c>__handle_irq_event_percpu()</c>'s "enabled interrupts"
    /// WARN is printed.
    /// </summary>
    [Theory]
    [MemberData(nameof(VersionsAndDeliveries))]
    public void An_xt_pic_irq_nested_in_its_own_actions_is_not_run_kernel_irq_chip_c_handle_level_irq(string version, string delivery)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: level-in-progress-nested
            kernel: {version: "{{{version}}}", delivery: {{{delivery}}}}
            machine: {cpus: 1, ioapics: []}
            devices:
              - {name: e, line: {isa: 5}, handler: {returns: handled, cost: 10us}}
            steps:
              - {raise: e}
              - {advance: 1us}
              - {sti: {cpu: 0}}
              - {ipi: {from: 0, to: self, vector: 0x35}}
              - {lower: e}
              - {advance: 30us}
              - {cli: {cpu: 0}}
            """);
        var why = Sim.Describe(r);
        Assert.True(
            r.Dispatch.Select(d => (d.TimeNs, d.Depth, d.Irq)).SequenceEqual([(0L, 0, 5), (1_000L, 1, 5)]), why);
        Assert.True(Sim.Count(r, "5", 0) == 1, "the nested entry is not counted\n" + why);
        Assert.Contains(r.Messages, m => m.TimeNs == 10_000 && m.Text.StartsWith("irq 5 handler e_interrupt", StringComparison.Ordinal));
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// An IO-APIC level line (fasteoi) whose handler's vector a step EOIs early and then sends again to its CPU with IF
    /// set: the nested <c>handle_fasteoi_irq()</c> only EOIs (not counted, no actions), so the actions end at 10 us.
    /// </summary>
    [Theory]
    [InlineData("6.1", "idt", "0x21")]
    [InlineData("6.6", "idt", "0x20")]
    [InlineData("6.9", "fred", "0x20")]
    [InlineData("6.10", "fred", "0x20")]
    [InlineData("latest", "idt", "0x20")]
    public void A_fasteoi_irq_nested_in_its_own_actions_is_only_eoid_kernel_irq_chip_c_handle_fasteoi_irq(
        string version, string delivery, string vector)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: fasteoi-in-progress-nested
            kernel: {version: "{{{version}}}", delivery: {{{delivery}}}}
            machine: {cpus: 1}
            devices:
              - {name: e, line: {ioapic: 0, pin: 9, trigger: level, polarity: low}, handler: {returns: handled, cost: 10us}}
            steps:
              - {raise: e}
              - {advance: 1us}
              - {lower: e}
              - {write: {cpu: 0, reg: apic.eoi, value: 0}}
              - {sti: {cpu: 0}}
              - {ipi: {from: 0, to: self, vector: {{{vector}}}}}
              - {advance: 30us}
              - {cli: {cpu: 0}}
            """);
        var why = Sim.Describe(r);
        Assert.True(
            r.Dispatch.Select(d => (d.TimeNs, d.Depth, d.Irq)).SequenceEqual([(0L, 0, 9), (1_000L, 1, 9)]), why);
        Assert.True(Sim.Count(r, "9", 0) == 1, "the nested entry is not counted\n" + why);
        Assert.Contains(r.Messages, m => m.TimeNs == 10_000 && m.Text.StartsWith("irq 9 handler e_interrupt", StringComparison.Ordinal));
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// IO-APIC edge line 5 (vector on CPU 0 only) with a 10 us handler; at 1 us a step rewrites its redirection entry's
    /// destination to CPU 1 and the line fires again: CPU 1's <c>common_interrupt</c> finds no descriptor in its
    /// <c>vector_irq</c> (the kernel never moved the irq) and reports "No irq handler", per version; CPU 0's actions run
    /// on undisturbed (the IPI sent to it at 2 us waits until they end at 10 us), one count, on CPU 0.
    /// </summary>
    [Theory]
    [InlineData("6.1", "idt", "0x0200000000000821", "__common_interrupt: 1.33 No irq handler for vector")]
    [InlineData("6.6", "idt", "0x0200000000000820", "__common_interrupt: 1.32 No irq handler for vector")]
    [InlineData("6.9", "fred", "0x0200000000000820", "__common_interrupt: 1.32 No irq handler for vector")]
    [InlineData("6.10", "fred", "0x0200000000000820", "call_irq_handler: 1.32 No irq handler for vector")]
    [InlineData("latest", "idt", "0x0100000000000020", "No irq handler for 1.32")]
    public void An_edge_sent_to_another_cpu_by_an_rte_write_finds_no_handler_there_arch_x86_kernel_irq_c_common_interrupt(
        string version, string delivery, string rte, string message)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: edge-moved-by-rte-write
            kernel: {version: "{{{version}}}", delivery: {{{delivery}}}}
            machine: {cpus: 2}
            devices:
              - {name: e, line: {ioapic: 0, pin: 5}, handler: {returns: handled, cost: 10us}}
            steps:
              - {raise: e}
              - {advance: 1us}
              - {write: {ioapic: 0, reg: redir.5, value: {{{rte}}}}}
              - {raise: e}
              - {advance: 1us}
              - {ipi: {from: 1, to: 0, vector: CALL_FUNCTION_VECTOR}}
              - {advance: 30us}
            """);
        var why = Sim.Describe(r);
        Assert.True(
            r.Dispatch.Select(d => (d.TimeNs, d.Cpu, d.Handler, d.Irq)).SequenceEqual(
                [(0L, 0, "common_interrupt", 5), (1_000L, 1, "common_interrupt", null), (10_000L, 0, "sysvec_call_function", null)]),
            why);
        Assert.True(Sim.Count(r, "5", 0) == 1 && Sim.Count(r, "5", 1) == 0, why);
        Assert.Contains(r.Messages, m => m.Cpu == 1 && m.Text == message);
        Assert.Null(Sim.Unconserved(r));
    }
}
