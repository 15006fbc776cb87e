using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A driver on a shared level line reads its own device's interrupt status and returns IRQ_NONE when its device did
/// not interrupt (the kernel calls every action of the line, kernel/irq/handle.c <c>__handle_irq_event_percpu()</c>);
/// <c>note_interrupt()</c> (kernel/irq/spurious.c) counts an interrupt unhandled only when no action returned
/// IRQ_HANDLED. So a sharer whose `returns` is `none` and which stays asserted makes its line unhandled even beside a
/// `handled` sharer, and the line is disabled at the 100,000th interrupt ("nobody cared"), where a `handled` sharer
/// that claimed every interrupt of the line would keep it storming.
/// </summary>
public sealed class SharedLineDriverStatusTests
{
    private const string NobodyCared = "irq 16: nobody cared (try booting with the \"irqpoll\" option)";

    /// <summary>
    /// (the good sharer's returns, which devices assert, whether "nobody cared" trips, the line's count). The interrupt
    /// after the disable finds the irq disabled and masks the line (lazy disable, kernel/irq/chip.c
    /// <c>handle_fasteoi_irq()</c>), uncounted.
    /// </summary>
    public static TheoryData<string, string, bool, ulong> Cases => new()
    {
        { "handled", "stuck", true, 100_000 },         // the good sharer's device did not interrupt: IRQ_NONE
        { "wake_thread", "stuck", true, 100_000 },     // nor does a threaded driver wake its thread for nothing
        { "handled", "good", false, 1 },               // the good sharer's own interrupt: handled, its line drops
        { "handled", "good, stuck", true, 100_001 },   // the first is handled; the stuck sharer's level remains
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_sharer_whose_device_did_not_interrupt_returns_irq_none_spurious_c_note_interrupt(
        string goodReturns, string raised, bool trips, ulong count)
    {
        var raises = string.Join("\n", raised.Split(", ").Select(d => $"  - {{raise: {d}}}"));
        var r = Sim.Run($$$"""
            irqlab: 1
            name: shared-stuck-sharer
            kernel: {version: "6.10"}
            machine: {cpus: 1}
            devices:
              - {name: good, line: {ioapic: 0, pin: 16, trigger: level, polarity: low}, shared: true, handler: {returns: {{{goodReturns}}}, cost: 0us}}
              - {name: stuck, line: {ioapic: 0, pin: 16, trigger: level, polarity: low}, shared: true, handler: {returns: none, cost: 0us}}
            steps:
            {{{raises}}}
              - {advance: 1ms}
            """);

        Assert.Equal(trips, r.Messages.Any(m => m.Text == NobodyCared));
        Assert.Equal(trips, r.Messages.Any(m => m.Text == "Disabling IRQ #16"));
        Assert.Equal(count, Sim.Count(r, "16", 0));
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// <c>__report_bad_irq()</c> (kernel/irq/spurious.c) prints each action's handler as <c>"[&lt;%p&gt;] %ps"</c> and, for an
    /// action with a <c>thread_fn</c> (a driver whose handler returns IRQ_WAKE_THREAD, requested with
    /// <c>request_threaded_irq()</c>), continues the line with <c>" threaded [&lt;%p&gt;] %ps"</c> (KERN_CONT).
    /// </summary>
    [Fact]
    public void Nobody_cared_names_a_threaded_action_s_thread_fn_spurious_c_report_bad_irq()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: shared-threaded-sharer
            kernel: {version: "6.10"}
            machine: {cpus: 1}
            devices:
              - {name: good, line: {ioapic: 0, pin: 16, trigger: level, polarity: low}, shared: true, handler: {returns: wake_thread, cost: 0us}}
              - {name: stuck, line: {ioapic: 0, pin: 16, trigger: level, polarity: low}, shared: true, handler: {returns: none, cost: 0us}}
            steps:
              - {raise: stuck}
              - {advance: 1ms}
            """);

        var texts = r.Messages.Select(m => m.Text).ToList();
        var at = texts.IndexOf("handlers:");
        Assert.True(at > 0 && texts[at - 1] == NobodyCared, string.Join("\n", texts));
        Assert.Matches(@"^\[<[0-9a-f]{16}>\] good_interrupt threaded \[<[0-9a-f]{16}>\] good_thread_fn$", texts[at + 1]);
        Assert.Matches(@"^\[<[0-9a-f]{16}>\] stuck_interrupt$", texts[at + 2]);
        Assert.Equal("Disabling IRQ #16", texts[at + 3]);
    }
}
