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
}
