using IrqLab.Scenarios;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// <see cref="SimulationOptions.MaxEvents"/> (<c>--max-events</c>): a work bound for legal but enormous runs
/// (docs/reliability.md, bug 3). The run stops when <c>stats.events</c> reaches the bound, says so in a warning message,
/// and every expect it did not reach fails, so <c>irqlab check</c> never passes a run that was cut short.
/// </summary>
public sealed class MaxEventsTests
{
    /// <summary>Two advances of 10 ms under a 1000 Hz local timer: 10 LOC each (SCENARIOS.md §8 timer workload).</summary>
    internal const string TwoAdvances = """
        irqlab: 1
        name: cut
        workload:
          - {timer: {hz: 1000}}
        steps:
          - {advance: 10ms}
          - {expect: {row: LOC, cpu: 0, equals: 10}}
          - {advance: 10ms}
          - {expect: {row: LOC, cpu: 0, equals: 20}}
        """;

    private static RunResult Run(string yaml, long? maxEvents, string name = "inline.yaml") =>
        Simulator.Run(ScenarioLoader.Parse(yaml, name), new SimulationOptions { MaxEvents = maxEvents });

    [Fact]
    public void A_run_until_near_2_pow_63_ns_stops_at_the_bound_with_a_warning()
    {
        // The reproduction of bug 3: ~292 simulated years of a 1000 Hz timer. Bounded, it ends after exactly N events.
        var scenario = ScenarioLoader.Load(Path.Combine(RepoPaths.Root, "tests", "IrqLab.Tests", "Data", "Robustness", "unbounded-run-until.yaml"));
        var r = Simulator.Run(scenario, new SimulationOptions { MaxEvents = 50_000 });

        Assert.Equal(50_000, r.Stats.Events);
        Assert.True(r.TimeNs < long.MaxValue / 2, $"time {r.TimeNs}");
        var message = Assert.Single(r.Messages);
        Assert.Equal("warning", message.Level);
        Assert.Equal(-1, message.Cpu);
        Assert.Equal($"irqlab: run stopped at {r.TimeNs} ns after 50000 events (--max-events 50000); the rest of the run was not simulated", message.Text);
    }

    [Fact]
    public void Stopped_run_is_deterministic()
    {
        var a = Run(TwoAdvances, 15);
        var b = Run(TwoAdvances, 15);

        Assert.Equal(a.TimeNs, b.TimeNs);
        Assert.Equal(a.Stats with { WallMs = 0 }, b.Stats with { WallMs = 0 });
        Assert.Equal(a.Expects, b.Expects);
    }

    [Fact]
    public void A_bound_the_run_does_not_reach_changes_nothing()
    {
        var free = Run(TwoAdvances, null);
        var bounded = Run(TwoAdvances, free.Stats.Events);

        Assert.Empty(bounded.Messages);
        Assert.Equal(free.TimeNs, bounded.TimeNs);
        Assert.Equal(free.Stats with { WallMs = 0 }, bounded.Stats with { WallMs = 0 });
        Assert.All(bounded.Expects, e => Assert.True(e.Ok, e.Detail));
    }

    [Fact]
    public void Expects_after_the_stop_fail_as_not_reached_and_earlier_ones_keep_their_verdict()
    {
        // Steps count as events: the first advance and expect take 10 timer events and 2 steps; the second advance
        // stops after 15 events in all, at the third timer interrupt of its 10 ms.
        var r = Run(TwoAdvances, 15, "cut.yaml");

        Assert.Equal(15, r.Stats.Events);
        Assert.Collection(
            r.Expects,
            e =>
            {
                Assert.Equal(1, e.Step);
                Assert.True(e.Ok, e.Detail);
            },
            e =>
            {
                Assert.Equal(3, e.Step);
                Assert.False(e.Ok);
                Assert.Equal(9, e.Line);
                Assert.Equal($"not reached: the run stopped at {r.TimeNs} ns before this step", e.Detail);
            });
    }

    [Fact]
    public void A_bound_reached_in_a_step_skips_the_steps_after_it()
    {
        var r = Run(TwoAdvances, 1);

        // The first advance is the one event: it stops before its first timer interrupt, so time stays at 0.
        Assert.Equal(1, r.Stats.Events);
        Assert.Equal(0, r.TimeNs);
        Assert.Equal([1, 3], r.Expects.Select(e => e.Step));
        Assert.All(r.Expects, e => Assert.StartsWith("not reached:", e.Detail, StringComparison.Ordinal));
    }

    /// <summary>
    /// A run "until idle" that never idles: the bare handler spends 1 ms, EOIs and sends itself its vector again, so the
    /// idle horizon (100 ms after the last step) ends it, in linux and bare mode alike.
    /// </summary>
    [Theory]
    [InlineData("bare", "handlers: [{vector: 0x40, do: [{advance: 1ms}, eoi, {ipi: {to: self, vector: 0x40}}]}]", "{ipi: {from: 0, to: 0, vector: 0x40}}")]
    [InlineData("linux", "devices: [{name: d0, line: {ioapic: 0, pin: 20, trigger: level}, handler: {returns: none, cost: 1ms}}]", "{raise: d0}")]
    public void A_bound_equal_to_the_events_of_a_run_the_idle_horizon_ends_changes_nothing(string mode, string handlers, string step)
    {
        // docs/simulation.md, "Safety bounds": the bound stops a run only when there is more to do; a run that needs
        // exactly N events is complete. At the idle horizon there is nothing more to do: its own warning, not the bound's.
        var yaml = $"irqlab: 1\nname: busy\nkernel: {{mode: {mode}}}\nmachine: {{cpus: 1, pic: false}}\n{handlers}\nsteps:\n  - {step}\n";
        var free = Run(yaml, null);
        var idleWarning = Assert.Single(free.Messages, m => m.Cpu == -1);
        Assert.StartsWith("irqlab: the machine did not become idle within 100 ms", idleWarning.Text, StringComparison.Ordinal);

        foreach (var bound in new[] { free.Stats.Events, free.Stats.Events + 1 })
        {
            var bounded = Run(yaml, bound);

            Assert.Equal(free.Messages, bounded.Messages);
            Assert.Equal(free.TimeNs, bounded.TimeNs);
            Assert.Equal(free.Stats with { WallMs = 0 }, bounded.Stats with { WallMs = 0 });
        }

        var cut = Run(yaml, free.Stats.Events - 1);
        Assert.Equal(free.Stats.Events - 1, cut.Stats.Events);
        Assert.StartsWith("irqlab: run stopped at ", Assert.Single(cut.Messages, m => m.Cpu == -1).Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-5L)]
    public void A_bound_below_one_is_a_programmer_error(long maxEvents)
    {
        var scenario = ScenarioLoader.Parse(TwoAdvances, "inline.yaml");

        Assert.Throws<ArgumentOutOfRangeException>(() => Simulator.Run(scenario, new SimulationOptions { MaxEvents = maxEvents }));
    }

    [Fact]
    public void Expects_after_a_livelock_stop_fail_as_not_reached()
    {
        // A bare handler that sends itself its own vector and EOIs without spending time never lets time move: the
        // engine's MaxEntriesPerInstant bound stops the run with IrqLab's message (no fault: SCENARIOS.md §10 lists the
        // kinds of faults, and a stopped run is none of them); the expect after it is not reached.
        var scenario = ScenarioLoader.Parse("""
            irqlab: 1
            name: storm
            kernel: {mode: bare}
            handlers:
              - {vector: 0x40, do: [{ipi: {to: self, vector: 0x40}}, eoi]}
            steps:
              - {ipi: {from: 0, to: 0, vector: 0x40}}
              - {advance: 1us}
              - {expect: {cpu: 0, reg: apic.ppr, equals: 0}}
            """, "storm.yaml");
        var r = Simulator.Run(scenario, new SimulationOptions { MaxEntriesPerInstant = 1_000 });

        Assert.Empty(r.Faults);
        Assert.Contains(r.Messages, m => m.Cpu == 0 && m.Level == "emerg"
            && m.Text == "irqlab: CPU0 entered 1000 handlers without simulated time moving; run stopped");
        var e = Assert.Single(r.Expects);
        Assert.Equal(2, e.Step);
        Assert.False(e.Ok);
        Assert.StartsWith("not reached: the run stopped at 0 ns", e.Detail, StringComparison.Ordinal);
    }
}
