using IrqLab.Scenarios;
using IrqLab.Simulation;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A run "until idle" asks after every event whether the machine is idle (docs/simulation.md "Safety bounds"). The
/// answer scanned every CPU up to the first busy one, so a storm on the last of 4096 CPUs cost 4096 checks per event
/// (a million events: 22 s against 1 s for the same storm on CPU 0). The scan now starts at the CPU it last found
/// busy, then at the CPU an IPI last made busy. The cost is counted (<see cref="Machine.IdleCpuChecks"/>), never timed.
/// </summary>
public sealed class IdleScanCostTests
{
    // A bare handler that spends 1 us and sends its vector to itself again: the CPU stays busy until the 100 ms
    // idle horizon, every other CPU stays idle.
    private static string SelfIpiChain(int cpus, int from) => $$$"""
        irqlab: 1
        name: self-ipi-chain
        kernel: {mode: bare}
        machine: {cpus: {{{cpus}}}, apic: x2apic}
        handlers:
          - vector: 0x40
            do: [eoi, {advance: 1us}, {ipi: {to: self, vector: 0x40}}]
        steps:
          - {ipi: {from: {{{from}}}, to: self, vector: 0x40}}
        """;

    [Theory]
    [InlineData(1024, 0)]
    [InlineData(1024, 1023)]
    [InlineData(4096, 2048)]
    public void The_idle_scan_costs_a_few_checks_per_event_wherever_the_busy_CPU_is(int cpus, int from)
    {
        var scenario = ScenarioLoader.Parse(SelfIpiChain(cpus, from), "chain.yaml");
        var machine = new Machine(scenario, new SimulationOptions { IdleHorizonNs = 1_000_000 });
        var r = machine.Run();

        // 1 ms of 1 us handlers, ended by the idle horizon.
        Assert.Contains(r.Messages, m => m.Text.Contains("did not become idle", StringComparison.Ordinal));
        Assert.True(r.Stats.Handlers >= 900, $"{r.Stats.Handlers} handlers");

        // One full scan to find the busy CPU, then one check per event: at most 2 per event plus one scan. Scanning
        // from CPU 0 each time cost (from + 1) per event.
        Assert.True(machine.IdleCpuChecks <= 2 * r.Stats.Events + cpus, $"{machine.IdleCpuChecks} checks for {r.Stats.Events} events on {cpus} CPUs");
    }

    [Theory]
    [InlineData(1024, 1, 1000)]
    [InlineData(4096, 3000, 7)]
    public void Two_CPUs_far_apart_that_take_turns_cost_a_few_checks_per_event(int cpus, int a, int b)
    {
        // CPU a sends CPU b its vector after 100 ns, b sends a its own: one CPU busy at a time, each turn on the
        // other. Starting from the CPU found busy last cost the distance between them on every turn.
        var yaml = $$$"""
            irqlab: 1
            name: ping-pong
            kernel: {mode: bare}
            machine: {cpus: {{{cpus}}}, apic: x2apic}
            handlers:
              - {vector: 0x40, do: [eoi, {advance: 100ns}, {ipi: {to: {{{b}}}, vector: 0x41}}]}
              - {vector: 0x41, do: [eoi, {advance: 100ns}, {ipi: {to: {{{a}}}, vector: 0x40}}]}
            steps:
              - {ipi: {from: 0, to: {{{a}}}, vector: 0x40}}
            """;
        var machine = new Machine(ScenarioLoader.Parse(yaml, "ping-pong.yaml"), new SimulationOptions { IdleHorizonNs = 100_000 });
        var r = machine.Run();

        Assert.Contains(r.Messages, m => m.Text.Contains("did not become idle", StringComparison.Ordinal));
        Assert.True(r.Stats.Handlers >= 900, $"{r.Stats.Handlers} handlers");
        Assert.True(machine.IdleCpuChecks <= 2 * r.Stats.Events + cpus, $"{machine.IdleCpuChecks} checks for {r.Stats.Events} events on {cpus} CPUs");
    }

    [Theory]
    [InlineData(10, 50)]
    [InlineData(50, 10)]
    public void The_run_ends_when_the_last_busy_CPU_is_done_whichever_CPU_was_found_busy_first(int shortCpu, int longCpu)
    {
        // Two CPUs busy at once, the one the scan finds later or earlier finishing first: the scan that starts at the
        // CPU it found busy wraps around to the other, and the run ends at the end of the longer handler.
        var yaml = $$$"""
            irqlab: 1
            name: two-busy
            kernel: {mode: bare}
            machine: {cpus: 64, apic: x2apic}
            handlers:
              - {vector: 0x40, do: [{advance: 5us}, eoi]}
              - {vector: 0x41, do: [{advance: 20us}, eoi]}
            steps:
              - {ipi: {from: 0, to: {{{shortCpu}}}, vector: 0x40}}
              - {ipi: {from: 0, to: {{{longCpu}}}, vector: 0x41}}
            """;
        var machine = new Machine(ScenarioLoader.Parse(yaml, "two.yaml"), new SimulationOptions());
        var r = machine.Run();

        Assert.Empty(r.Messages);
        Assert.Equal(2, r.Stats.Handlers);
        Assert.Equal(20_000, r.TimeNs);
    }
}
