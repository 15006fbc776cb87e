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
}
