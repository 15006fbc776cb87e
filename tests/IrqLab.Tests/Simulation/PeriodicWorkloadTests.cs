using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The periodic arrival pattern of SCENARIOS.md §8 (<c>{device, rate, pattern: periodic}</c>): a device raised at
/// rate N/s is raised every 1/N s, so a run of T seconds sees floor(N * T) raises. The k-th raise is due at
/// round(k * 1e9 / N) ns: rounding each gap to whole nanoseconds and adding the gaps up drifted (7/s gave 6 raises in
/// 1 s, 600/s 599, 3,000,000/s 3,003 in 1 ms).
/// </summary>
public sealed class PeriodicWorkloadTests
{
    private static IrqLab.Simulation.Output.RunResult Run(string rate, string until) => Sim.Run($$"""
        irqlab: 1
        name: periodic
        machine: {cpus: 1}
        devices:
          - name: eth0
            msix: {vectors: 1}
            handler: {returns: handled, cost: 100ns}
        workload:
          - {device: eth0, rate: {{rate}}, pattern: periodic}
        run: {until: {{until}}}
        """);

    public static TheoryData<string, string, ulong> Counts => new()
    {
        // rate, run length, raises (the one due exactly at run.until included, as the run processes that instant)
        { "7/s", "1s", 7 },            // gap 142,857,142.86 ns: rounded per gap (142,857,143) the 7th fell at 1.000000001 s
        { "600/s", "1s", 600 },        // gap 1,666,666.67 ns
        { "3/ms", "10ms", 30 },        // gap 333,333.33 ns
        { "3000000/s", "1ms", 3000 },  // gap 333.33 ns: rounded down per gap (333) it gave 3,003
        { "1000/s", "10ms", 10 },      // a whole gap: unchanged
    };

    [Theory]
    [MemberData(nameof(Counts))]
    public void A_periodic_device_is_raised_rate_times_run_length_times_SCENARIOS_8(string rate, string until, ulong raises)
    {
        var r = Run(rate, until);

        Assert.Equal(raises, Sim.Count(r, "24", 0));
        Assert.Null(Sim.Unconserved(r));
    }

    [Fact]
    public void The_kth_raise_is_due_round_k_times_the_period()
    {
        var r = Run("7/s", "1s");

        var times = r.Dispatch.Where(d => d.Irq is not null).Select(d => d.TimeNs).ToArray();
        Assert.Equal([142_857_143L, 285_714_286, 428_571_429, 571_428_571, 714_285_714, 857_142_857, 1_000_000_000], times);
    }
}
