using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The burst arrival pattern of SCENARIOS.md §8 (<c>burst:{n:64, every:1ms}</c>): n raises per period, in the string
/// form the contract writes and in the mapping form; a rate spaces the raises of a burst 1/rate apart.
/// </summary>
public sealed class BurstWorkloadTests
{
    private static IrqLab.Simulation.Output.RunResult Run(string workload) => Sim.Run($$"""
        irqlab: 1
        name: burst
        kernel: {version: "6.10"}
        machine: {cpus: 1}
        devices:
          - name: eth0
            msix: {vectors: 1}
            handler: {returns: handled, cost: 1us}
        workload:
          - {{workload}}
        run: {until: 3500us}
        """);

    public static TheoryData<string> SameInstantForms => new()
    {
        "device: eth0\n    pattern: burst:{n:64, every:1ms}",
        "{device: eth0, pattern: \"burst:{n: 64, every: 1ms}\"}",
        "{device: eth0, pattern: {burst: {n: 64, every: 1ms}}}",
    };

    [Theory]
    [MemberData(nameof(SameInstantForms))]
    public void A_burst_without_rate_raises_n_at_one_instant_merged_in_one_irr_bit_SDM_11_8_4(string workload)
    {
        var r = Run(workload);

        // Bursts at 1, 2 and 3 ms, 64 raises each. All land at the same instant, before the CPU reaches an
        // instruction boundary: the first sets the vector's IRR bit and the other 63 find it set (one IRR bit per
        // vector), so each burst delivers one interrupt.
        Assert.Equal(3 * 64, r.Stats.Raised);
        Assert.Equal(3, r.Stats.Delivered);
        Assert.Equal(3 * 63, r.Stats.Coalesced);
        Assert.Null(Sim.Unconserved(r));
    }

    [Fact]
    public void A_rate_spaces_the_raises_of_a_burst_one_over_rate_apart()
    {
        var r = Run("{device: eth0, rate: 100000/s, pattern: \"burst:{n: 4, every: 1ms}\"}");

        // 10 us apart, longer than the 1 us handler: every raise is delivered.
        var times = r.Dispatch.Where(d => d.Irq is not null).Select(d => d.TimeNs).ToArray();
        Assert.Equal(
            [1_000_000L, 1_010_000, 1_020_000, 1_030_000, 2_000_000, 2_010_000, 2_020_000, 2_030_000, 3_000_000, 3_010_000, 3_020_000, 3_030_000],
            times);
        Assert.Equal(0, r.Stats.Coalesced);
    }
}
