using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// <c>{expect: {fault: KIND, cpu: N}}</c> (SCENARIOS.md §7: "the fault was recorded"). Without <c>cpu</c> the expect
/// asks whether the fault was recorded on any CPU, not on CPU 0 as other top-level steps default
/// (docs/scenario-loader.md, Steps). The fault here is the triple fault of a #GP on CPU 1 in bare mode with no IDT gates
/// (not-present #GP gate → #NP → #DF → shutdown, SDM Vol. 3A Table 6-5, as scenarios/triple-fault.yaml).
/// </summary>
public sealed class ExpectFaultTests
{
    [Theory]
    [InlineData("{fault: triple_fault}", true, "fault triple_fault recorded")]
    [InlineData("{fault: triple_fault, cpu: 1}", true, "fault triple_fault on cpu 1 recorded")]
    [InlineData("{fault: triple_fault, cpu: 0}", false, "no fault triple_fault on cpu 0 (recorded: [triple_fault@cpu1])")]
    [InlineData("{fault: machine_check}", false, "no fault machine_check (recorded: [triple_fault@cpu1])")]
    public void Fault_expect_without_cpu_matches_any_cpu(string expect, bool ok, string detail)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: fault-expect
            kernel: {mode: bare}
            machine: {cpus: 2}
            steps:
              - {exception: {cpu: 1, vector: 13, error_code: 0}}
              - {expect: {{{expect}}}}
            """);

        var e = Assert.Single(r.Expects);
        Assert.Equal(1, e.Step);
        Assert.Equal(ok, e.Ok);
        Assert.Equal(detail, e.Detail);
    }
}
