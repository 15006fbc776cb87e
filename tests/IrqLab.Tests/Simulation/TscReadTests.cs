using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Scenario reads of IA32_TIME_STAMP_COUNTER (MSR 0x10): each CPU's TSC is 0 at t=0 and reads
/// floor(t_ns · tsc_hz / 1e9) (SCENARIOS.md §4; SDM Vol. 3B §18.17), from a step or from a bare handler's action, in
/// linux and bare mode, xAPIC and x2APIC, with no #GP.
/// </summary>
public sealed class TscReadTests
{
    [Theory]
    [InlineData("linux", "xapic", 2_500_000_000L, "1001ns", 2_502UL)]
    [InlineData("linux", "x2apic", 2_500_000_000L, "1001ns", 2_502UL)]
    [InlineData("bare", "xapic", 2_500_000_000L, "1001ns", 2_502UL)]
    [InlineData("bare", "x2apic", 1_000_000_000L, "3s", 3_000_000_000UL)]
    [InlineData("linux", "xapic", 4_999_999_999L, "3000000s", 14_999_999_997_000_000UL)]
    public void A_read_step_of_MSR_0x10_gives_the_TSC_SCENARIOS_4_SDM_18_17(string mode, string apic, long tscHz, string advance, ulong expected)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: tsc-read
            kernel: {mode: {{{mode}}}}
            machine: {cpus: 2, apic: {{{apic}}}, tsc_hz: {{{tscHz}}}}
            steps:
              - {advance: {{{advance}}}}
              - {read: {cpu: 1, msr: 0x10, as: tsc}}
              - {read: {cpu: 0, msr: 0x3B, as: adjust}}
            """);
        Assert.Equal(expected, Sim.Read(r, "tsc").Scalar);
        Assert.Equal(0UL, Sim.Read(r, "adjust").Scalar);
        Assert.Empty(r.Faults);
        Assert.DoesNotContain(r.Dispatch, d => d.Vector == 13);
    }

    [Fact]
    public void A_bare_handler_reads_the_TSC_at_its_own_simulated_time_SDM_18_17()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: tsc-in-handler
            kernel: {mode: bare}
            machine: {cpus: 1, tsc_hz: 3000000000}
            handlers:
              - vector: 0x40
                do: [{advance: 10ns}, {read: {msr: 0x10, as: in_handler}}, eoi]
            steps:
              - {advance: 100ns}
              - {ipi: {from: 0, to: self, vector: 0x40}}
              - {advance: 1us}
            """);
        Assert.Equal(["vector_0x40"], r.Dispatch.Select(d => d.Handler));
        Assert.Equal(3UL * (ulong)(r.Dispatch[0].TimeNs + 10), Sim.Read(r, "in_handler").Scalar);
        Assert.Empty(r.Faults);
    }

    [Fact]
    public void Writing_MSR_0x10_sets_that_CPUs_TSC_only_and_its_TSC_deadline_follows_SDM_18_17_3()
    {
        // CPU 1's TSC is set back to 0 at t=1000; its deadline of 500 is then 500 ns away, not already past.
        var r = Sim.Run("""
            irqlab: 1
            name: tsc-write
            kernel: {mode: bare}
            machine: {cpus: 2}
            handlers:
              - vector: 0x41
                do: [eoi]
            steps:
              - {advance: 1000ns}
              - {write: {cpu: 1, msr: 0x10, value: 0}}
              - {write: {cpu: 1, reg: apic.lvt.timer, value: 0x40041}}
              - {write: {cpu: 1, msr: 0x6E0, value: 500}}
              - {read: {cpu: 1, msr: 0x10, as: tsc1}}
              - {read: {cpu: 0, msr: 0x10, as: tsc0}}
              - {read: {cpu: 1, msr: 0x3B, as: adjust1}}
              - {advance: 1us}
            """);
        Assert.Equal(0UL, Sim.Read(r, "tsc1").Scalar);
        Assert.Equal(1000UL, Sim.Read(r, "tsc0").Scalar);
        Assert.Equal(unchecked((ulong)-1000L), Sim.Read(r, "adjust1").Scalar);
        var timer = Assert.Single(r.Dispatch);
        Assert.Equal((1, 0x41, 1500L), (timer.Cpu, timer.Vector, timer.TimeNs));
        Assert.Empty(r.Faults);
    }
}
