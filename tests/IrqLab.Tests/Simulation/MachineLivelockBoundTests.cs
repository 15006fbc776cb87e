using System.Globalization;
using System.Text.RegularExpressions;
using IrqLab.Scenarios;
using IrqLab.Simulation;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The machine-wide safety bound on one instant's work (docs/simulation.md "Safety bounds",
/// <see cref="SimulationOptions.MaxMachineWorkPerInstant"/>): handler entries on all CPUs plus interrupt acceptances by
/// local APICs. A zero-time broadcast storm keeps every CPU below the per-CPU bound while its cost grows with the square
/// of the CPU count (64 CPUs ran 109 s, 4096 would have run for days); this bound stops it after a fixed amount of work.
/// </summary>
public sealed partial class MachineLivelockBoundTests
{
    // A bare handler that EOIs and broadcasts its own vector to every other CPU: each CPU always has it pending again.
    private static string BroadcastStorm(int cpus) => $$$"""
        irqlab: 1
        name: broadcast-storm
        kernel: {mode: bare}
        machine: {cpus: {{{cpus}}}, apic: x2apic}
        handlers:
          - vector: 0x40
            do: [eoi, {ipi: {to: all-but-self, vector: 0x40}}]
        steps:
          - {ipi: {from: 0, to: all, vector: 0x40}}
          - {advance: 1us}
          - {expect: {cpu: 0, reg: apic.ppr, equals: 0}}
        """;

    [GeneratedRegex(@"^irqlab: the machine made (\d+) handler entries and (\d+) interrupt acceptances without simulated time moving; run stopped$")]
    private static partial Regex MachineStop();

    [Theory]
    [InlineData(16, 10_000)]
    [InlineData(64, 10_000)]
    [InlineData(300, 50_000)]
    public void A_broadcast_storm_stops_once_the_machine_passes_the_bound(int cpus, long bound)
    {
        var scenario = ScenarioLoader.Parse(BroadcastStorm(cpus), "storm.yaml");
        var r = Simulator.Run(scenario, new SimulationOptions { MaxMachineWorkPerInstant = bound });

        // IrqLab's own line, printed by no CPU; no CPU reached the per-CPU bound, and nothing is a fault.
        Assert.Empty(r.Faults);
        var m = Assert.Single(r.Messages);
        Assert.Equal(-1, m.Cpu); // null in the JSON
        Assert.Equal("emerg", m.Level);
        var match = MachineStop().Match(m.Text);
        Assert.True(match.Success, m.Text);
        var entries = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var accepted = long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);

        // The check runs at each handler entry: the work passed the bound there, and had not before that entry's
        // handler was entered (the previous handler's broadcast adds at most cpus - 1 acceptances).
        Assert.True(entries + accepted > bound, $"{entries} + {accepted} <= {bound}");
        Assert.True(entries + accepted <= bound + cpus, $"{entries} + {accepted} > {bound} + {cpus}");
        Assert.Equal(entries, r.Stats.Handlers);
        Assert.Equal(0, r.TimeNs);

        // The expect after the stop is not reached, as after the per-CPU bound.
        var e = Assert.Single(r.Expects);
        Assert.False(e.Ok);
        Assert.StartsWith("not reached: the run stopped at 0 ns", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_bounds_keep_the_per_CPU_stop_for_a_storm_on_four_CPUs()
    {
        // The defaults are 2,000,000 entries per CPU and 50,000,000 units of machine work, 25 times as much. A
        // 4-CPU broadcast storm makes 4 entries and 12 acceptances per round, 16 units for each entry CPU 0 makes:
        // 32,000,000 at the per-CPU bound, so that bound stops it, as before the machine-wide one existed. Scaled
        // down here by 2,000 with the same ratio.
        var defaults = new SimulationOptions();
        Assert.Equal(25 * defaults.MaxEntriesPerInstant, defaults.MaxMachineWorkPerInstant);

        var scenario = ScenarioLoader.Parse(BroadcastStorm(4), "storm.yaml");
        var r = Simulator.Run(scenario, new SimulationOptions { MaxEntriesPerInstant = 1_000, MaxMachineWorkPerInstant = 25_000 });

        var m = Assert.Single(r.Messages);
        Assert.Equal(0, m.Cpu);
        Assert.Equal("irqlab: CPU0 entered 1000 handlers without simulated time moving; run stopped", m.Text);
    }

    [Fact]
    public void Work_counts_per_instant_so_a_storm_that_spends_time_runs_to_its_end()
    {
        // The same broadcast with 1 ns spent in each handler: every instant has 16 entries and 240 acceptances at
        // most, under the bound of 1,000, so the storm's microsecond runs to its end with no stop.
        // (run.until ends it: "until idle" would run the storm to the 100 ms idle horizon.)
        var yaml = BroadcastStorm(16).Replace("do: [eoi,", "do: [{advance: 1ns}, eoi,", StringComparison.Ordinal) + "\nrun: {until: 1us}\n";
        var r = Simulator.Run(ScenarioLoader.Parse(yaml, "storm.yaml"), new SimulationOptions { MaxMachineWorkPerInstant = 1_000 });

        Assert.DoesNotContain(r.Messages, m => m.Text.StartsWith("irqlab:", StringComparison.Ordinal));
        Assert.True(r.Stats.Handlers > 1_000, $"{r.Stats.Handlers} handlers");
    }
}
