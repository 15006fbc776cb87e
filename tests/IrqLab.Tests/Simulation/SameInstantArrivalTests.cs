using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// docs/simulation.md "Workload" (SCENARIOS.md §8 is silent): the raises one arrival makes at one instant (a burst
/// without a rate) merge in the vector's IRR bit, while arrivals of different workload entries due at the same ns are
/// separate events in the queue's order, each followed by an instruction boundary.
/// </summary>
public sealed class SameInstantArrivalTests
{
    private static IrqLab.Simulation.Output.RunResult Run(string workload) => Sim.Run($$$"""
        irqlab: 1
        name: same-instant
        machine: {cpus: 1}
        devices:
          - {name: eth0, msix: {vectors: 1}, handler: {returns: handled, cost: 1us}}
        workload:
        {{{workload}}}
        run: {until: 3ms}
        """);

    public static TheoryData<string, ulong> Counts => new()
    {
        // workload entries, interrupts of eth0's vector in 3 ms (two entries: the second raise of each instant is
        // taken when the first one's handler returns, 1 us later, so the pair at 3 ms gives one before run.until)
        { "  - {device: eth0, pattern: \"burst:{n: 2, every: 1ms}\"}", 3 },
        { "  - {device: eth0, rate: 1000/s, pattern: periodic}\n  - {device: eth0, rate: 1000/s, pattern: periodic}", 5 },
    };

    [Theory]
    [MemberData(nameof(Counts))]
    public void Raises_of_one_arrival_merge_and_arrivals_of_two_entries_do_not(string workload, ulong interrupts)
    {
        var r = Run(workload);

        Assert.Equal(interrupts, Sim.Count(r, "24", 0));
        Assert.Null(Sim.Unconserved(r));
    }

    [Fact]
    public void A_device_raise_queued_before_a_timer_tick_of_the_same_ns_is_taken_first()
    {
        var r = Run("  - {device: eth0, rate: 1000/s, pattern: periodic}\n  - {timer: {hz: 1000}}");

        var first = r.Dispatch.Where(d => d.TimeNs <= 1_001_000).Select(d => (d.TimeNs, d.Handler)).ToArray();
        Assert.Equal([(1_000_000L, "common_interrupt"), (1_001_000L, "sysvec_apic_timer_interrupt")], first);
    }
}
