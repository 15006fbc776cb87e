using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// NMIs, exceptions and external interrupts combined on one bare CPU, under IDT and FRED delivery: NMI blocking ends with
/// IRET whatever frame it pops (SDM Vol. 3A §6.7.1), but with ERETS only when the popped frame's NMI bit is set (FRED spec,
/// ERETS; shared/reference/x86-events.md §1.3, §7.5); an NMI and a maskable interrupt pending at one boundary are taken
/// NMI first (SDM Vol. 3A §6.9, Table 6-2); a fault while delivering an exception combines by SDM Table 6-5 (IDT only:
/// FRED has no gates, an unlisted vector is "unhandled", SCENARIOS.md §6).
/// </summary>
public sealed class NmiExceptionInterplayTests
{
    private static IrqLab.Simulation.Output.RunResult Run(string delivery, string apic, string handlers, string steps) => Sim.Run($$$"""
        irqlab: 1
        name: nmi-exception-interplay
        kernel: {mode: bare, delivery: {{{delivery}}}}
        machine: {cpus: 1, apic: {{{apic}}}}
        handlers:
        {{{handlers}}}
        steps:
        {{{steps}}}
        """);

    private static (long T, string Handler, int Depth)[] Entries(IrqLab.Simulation.Output.RunResult r) =>
        r.Dispatch.Select(d => (d.TimeNs, d.Handler, d.Depth)).ToArray();

    /// <summary>
    /// An exception step interrupts the NMI handler (10 us); a second NMI arrives after the exception handler returned.
    /// IDT: that IRET unblocked NMIs, so the NMI nests in the first NMI handler at once. FRED: the exception's frame has
    /// no NMI bit, ERETS keeps NMIs blocked, and the NMI is taken after the NMI handler's own ERETS, at depth 0.
    /// </summary>
    [Theory]
    [InlineData("idt", 1000L, 1)]
    [InlineData("fred", 10000L, 0)]
    public void Nmi_after_the_return_of_an_exception_nested_in_the_nmi_handler(string delivery, long secondNmiAt, int secondNmiDepth)
    {
        var r = Run(delivery, "xapic",
            "  - {vector: 2, do: [{advance: 10us}]}\n  - {vector: 13, do: []}",
            "  - {nmi: {cpu: 0}}\n  - {advance: 1us}\n  - {exception: {cpu: 0, vector: 13, error_code: 0}}\n  - {nmi: {cpu: 0}}\n  - {advance: 30us}");

        Assert.Equal(
            [(0L, "vector_0x02", 0), (1000L, "vector_0x0d", 1), (secondNmiAt, "vector_0x02", secondNmiDepth)],
            Entries(r));
        Assert.Empty(r.Faults);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// A second NMI arrives while the NMI handler spends time (held: NMIs are blocked); the handler then faults (a WRMSR
    /// setting reserved bits of the x2APIC TPR is #GP, SDM Vol. 3A §11.12.1.3). IDT: the #GP handler's IRET unblocks
    /// NMIs and the held NMI nests at once in the first NMI handler; FRED: it waits for that handler's ERETS.
    /// </summary>
    [Theory]
    [InlineData("idt", new[] { 0L, 2000, 2000, 4000 }, new[] { 2, 13, 2, 13 }, new[] { 0, 1, 1, 2 })]
    [InlineData("fred", new[] { 0L, 2000, 3000, 5000 }, new[] { 2, 13, 2, 13 }, new[] { 0, 1, 0, 1 })]
    public void Nmi_held_while_the_nmi_handler_faults(string delivery, long[] times, int[] vectors, int[] depths)
    {
        var r = Run(delivery, "x2apic",
            "  - {vector: 2, do: [{advance: 2us}, {write: {msr: 0x808, value: 0x100}}, {advance: 1us}]}\n"
            + "  - {vector: 13, do: []}",
            "  - {nmi: {cpu: 0}}\n  - {advance: 1us}\n  - {nmi: {cpu: 0}}\n  - {advance: 10us}");

        Assert.Equal(times, r.Dispatch.Select(d => d.TimeNs).ToArray());
        Assert.Equal(vectors, r.Dispatch.Select(d => d.Vector).ToArray());
        Assert.Equal(depths, r.Dispatch.Select(d => d.Depth).ToArray());
        Assert.Empty(r.Faults);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// An NMI whose bare IDT gate is missing becomes #NP (benign, then contributory: handled serially, SDM Table 6-5), but
    /// its delivery already blocked NMIs (Bochs cpu/event.cc masks NMIs before delivering; SDM Vol. 3C 26.6.1 for an
    /// injected NMI), so a second NMI waits for the #NP handler's IRET instead of nesting in it. Under FRED both NMIs
    /// reach "unhandled", the second after the first's ERETS (frame NMI bit set).
    /// </summary>
    [Theory]
    [InlineData("idt", "vector_0x0b", "hw_exc", 1000L)]
    [InlineData("fred", "unhandled", "nmi", 0L)]
    public void An_nmi_whose_gate_is_missing_still_blocks_nmis(string delivery, string handler, string evt, long secondAt)
    {
        var r = Run(delivery, "xapic", "  - {vector: 11, do: [{advance: 1us}]}",
            "  - {nmi: {cpu: 0}}\n  - {nmi: {cpu: 0}}\n  - {advance: 5us}");

        Assert.Equal([(0L, handler, evt, 0), (secondAt, handler, evt, 0)],
            r.Dispatch.Select(d => (d.TimeNs, d.Handler, d.Event, d.Depth)).ToArray());
        Assert.Empty(r.Faults);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// A triple fault while delivering an NMI (no gate for 2, 11 or 8) shuts the CPU down with NMIs blocked by that
    /// delivery: "only a hardware reset can restart the processor" (SDM Vol. 3A §6.15, interrupt 8), so a later NMI is
    /// dropped instead of being taken (and triple-faulting again).
    /// </summary>
    [Fact]
    public void A_triple_fault_while_delivering_an_nmi_leaves_nmis_blocked_in_shutdown()
    {
        var r = Run("idt", "xapic", "  - {vector: 0x40, do: [eoi]}",
            "  - {nmi: {cpu: 0}}\n  - {advance: 1us}\n  - {nmi: {cpu: 0}}\n  - {advance: 1us}");

        Assert.Empty(r.Dispatch);
        Assert.Equal([(0L, "triple_fault")], r.Faults.Select(f => (f.TimeNs, f.Kind)).ToArray());
        Assert.Equal(1, r.Stats.Dropped);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// A handler running with IF = 0 makes an NMI and a maskable interrupt pending at the same boundary: the NMI is taken
    /// there (it is not masked by IF), the interrupt only after the handler's return restores IF (SDM Table 6-2: NMI above
    /// maskable interrupts). The same under both deliveries.
    /// </summary>
    [Theory]
    [InlineData("idt")]
    [InlineData("fred")]
    public void Nmi_and_interrupt_pending_together_nmi_first(string delivery)
    {
        var r = Run(delivery, "xapic",
            "  - {vector: 0x30, do: [{ipi: {to: self, vector: 0x40}}, {ipi: {to: self, vector: 2, mode: nmi}}, eoi]}\n"
            + "  - {vector: 0x40, do: [eoi]}\n  - {vector: 2, do: [{advance: 1us}]}",
            "  - {ipi: {from: 0, to: self, vector: 0x30}}\n  - {advance: 5us}");

        Assert.Equal([(0L, "vector_0x30", 0), (0L, "vector_0x02", 1), (1000L, "vector_0x40", 0)], Entries(r));
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// SDM Table 6-5 through missing bare IDT gates (#NP with the IDT bit, SDM §6.13): a page fault whose gate is missing
    /// meets a contributory #NP (#DF); a benign #UD is handled serially (#NP runs); a contributory #DE or #GP meeting #NP
    /// is #DF, and #DF with no gate either is a triple fault; a benign #DB is handled serially, and the #NP of the missing
    /// #NP gate is contributory during contributory: #DF runs. Under FRED the same steps reach "unhandled" for the
    /// exception itself.
    /// </summary>
    [Theory]
    [InlineData("{vector: 14, error_code: 2, cr2: 0x1000}", "[8, 11]", "vector_0x08", false)]
    [InlineData("{vector: 6}", "[11]", "vector_0x0b", false)]
    [InlineData("{vector: 0}", "[11]", null, true)]
    [InlineData("{vector: 13, error_code: 0}", "[11]", null, true)]
    [InlineData("{vector: 1}", "[8]", "vector_0x08", false)]
    public void Missing_gates_combine_by_SDM_Table_6_5(string exception, string listed, string? idtHandler, bool tripleFault)
    {
        var handlers = string.Join("\n", listed.Trim('[', ']').Split(", ").Select(v => $"  - {{vector: {v}, do: []}}"));
        var steps = $"  - {{exception: {{cpu: 0, {exception.Trim('{', '}')}}}}}\n  - {{advance: 1us}}";
        var idt = Run("idt", "xapic", handlers, steps);
        var fred = Run("fred", "xapic", handlers, steps);

        Assert.Equal(idtHandler is null ? [] : [idtHandler], idt.Dispatch.Select(d => d.Handler).ToArray());
        Assert.Equal(tripleFault, idt.Faults.Any(f => f.Kind == "triple_fault"));
        Assert.Equal(["unhandled"], fred.Dispatch.Select(d => d.Handler).ToArray());
        Assert.Empty(fred.Faults);
    }

    /// <summary>
    /// An <c>exception</c> step with vector 2 (the NMI's vector, SDM Vol. 3A Table 6-1: no instruction raises a hardware
    /// exception there) is a platform NMI (docs/delivery.md): <c>event: nmi</c>, NMIs blocked until the return, a second
    /// one latched. On a CPU shut down by a triple fault it is ignored, as every <c>exception</c> step is there.
    /// </summary>
    [Theory]
    [InlineData("idt")]
    [InlineData("fred")]
    public void An_exception_step_on_vector_2_is_an_nmi(string delivery)
    {
        var r = Run(delivery, "xapic", "  - {vector: 2, do: [{advance: 1us}]}",
            "  - {exception: {cpu: 0, vector: 2}}\n  - {exception: {cpu: 0, vector: 2}}\n  - {advance: 5us}");

        Assert.Equal([(0L, "nmi", 0), (1000L, "nmi", 0)], r.Dispatch.Select(d => (d.TimeNs, d.Event, d.Depth)).ToArray());
        Assert.Null(Sim.Unconserved(r));

        var shutDown = Run("idt", "xapic", "  - {vector: 0x40, do: []}",
            "  - {exception: {cpu: 0, vector: 8, error_code: 0}}\n  - {exception: {cpu: 0, vector: 2}}\n  - {advance: 1us}");
        Assert.Empty(shutDown.Dispatch);
        Assert.Equal(["triple_fault"], shutDown.Faults.Select(f => f.Kind).ToArray());
    }
}

