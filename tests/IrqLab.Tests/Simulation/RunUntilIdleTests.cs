using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// SCENARIOS.md §2: after the steps the run goes on until <c>run.until</c>, by default "until idle". Without a workload
/// idle means no CPU busy and no one-shot timer armed (docs/simulation.md, Workload): an armed one-shot or TSC-deadline
/// local APIC timer (SDM Vol. 3A 11.5.4) is waited for, while a periodic one, which never ends, does not keep the run
/// going and fires only within <c>run.until</c>. Bare mode, one CPU, handler 0x40 only EOIs.
/// </summary>
public sealed class RunUntilIdleTests
{
    [Theory]
    // One-shot (LVT timer mode 00), divide by 1 (0xB): 3,000,000 ticks of the 1 GHz timer clock = 3 ms.
    [InlineData("0x40", "{write: {reg: apic.timer.initial, value: 3000000}}", "idle", 3_000_000L, 1)]
    // TSC-deadline (mode 10): fires when the TSC (1 GHz) reaches 5000.
    [InlineData("0x40040", "{write: {msr: 0x6E0, value: 5000}}", "idle", 5_000L, 1)]
    // Periodic (mode 01), 1 ms period: nothing holds the run, which ends at once.
    [InlineData("0x20040", "{write: {reg: apic.timer.initial, value: 1000000}}", "idle", 0L, 0)]
    // The same timer within run.until: ticks at 1, 2 and 3 ms (an event due at the end is taken).
    [InlineData("0x20040", "{write: {reg: apic.timer.initial, value: 1000000}}", "3ms", 3_000_000L, 3)]
    public void Until_idle_waits_for_a_one_shot_timer_but_not_a_periodic_one(string lvt, string arm, string until, long timeNs, int handlers)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: until-idle
            kernel: {mode: bare}
            handlers:
              - {vector: 0x40, do: [eoi]}
            steps:
              - {write: {reg: apic.timer.divide, value: 0xB}}
              - {write: {reg: apic.lvt.timer, value: {{{lvt}}}}}
              - {{{arm}}}
            run: {until: {{{until}}}}
            """);

        Assert.Equal(timeNs, r.TimeNs);
        Assert.Equal(handlers, r.Dispatch.Count(d => d.Handler == "vector_0x40"));
        Assert.Empty(r.Messages);
    }
    /// <summary>
    /// time_ns (SCENARIOS.md §10) is where the run ended (docs/simulation.md, Workload): run.until, the end of the steps
    /// when they went past it, or in a run until idle the later of the steps' end and the last handler's return. A
    /// handler still spending time at the end is left there: its later actions do not run and it does not return.
    /// The handler of 0x41 is [advance 10us, read, eoi], entered at 0.
    /// </summary>
    [Theory]
    [InlineData("[]", "5us", 5_000L, false)]                           // cut mid-advance: no read, 0x41 still in service
    [InlineData("[]", "10us", 10_000L, true)]                          // its time ends at run.until: taken, as any event due then
    [InlineData("[]", "idle", 10_000L, true)]                          // until idle: the handler's return
    [InlineData("[{advance: 25us}]", "idle", 25_000L, true)]           // the steps went on after it
    [InlineData("[{advance: 25us}]", "7us", 25_000L, true)]            // the steps went past run.until
    [InlineData("[{advance: 2us}]", "4us", 4_000L, false)]             // run.until after the steps, handler still busy
    public void Time_ns_is_where_the_run_ended_and_a_handler_running_then_is_left_unfinished(string moreSteps, string until, long timeNs, bool returned)
    {
        var more = moreSteps == "[]" ? string.Empty : $"  - {moreSteps[1..^1]}";
        var r = Sim.Run($$$"""
            irqlab: 1
            name: time-ns
            kernel: {mode: bare}
            handlers:
              - {vector: 0x41, do: [{advance: 10us}, {read: {reg: apic.isr, as: late}}, eoi]}
            steps:
              - {ipi: {from: 0, to: self, vector: 0x41}}
            {{{more}}}
              - {read: {reg: apic.isr, as: probe}}
            run: {until: {{{until}}}}
            """);

        Assert.Equal(timeNs, r.TimeNs);
        Assert.Equal(returned, r.Reads.Any(kv => kv.Key == "late"));
        Assert.Empty(r.Messages);
    }
}
