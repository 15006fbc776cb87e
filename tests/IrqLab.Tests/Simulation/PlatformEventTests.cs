using IrqLab.Scenarios;
using IrqLab.Simulation;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>Platform events of SCENARIOS.md §4 and §10: the NMI watchdog and machine checks.</summary>
public sealed class PlatformEventTests
{
    private static IrqLab.Simulation.Output.RunResult Run(string yaml) => Simulator.Run(ScenarioLoader.Parse(yaml, "platform.yaml"));

    [Fact]
    public void Nmi_watchdog_fires_every_watchdog_thresh_on_every_cpu_counting_NMI_and_PMI_hw_nmi_c()
    {
        var r = Run("""
            irqlab: 1
            name: wd
            machine: {cpus: 2, nmi_watchdog: true}
            steps: [{advance: 25s}]
            """);
        Assert.Equal(4, r.Dispatch.Count(d => d.Handler == "exc_nmi"));
        Assert.Equal([2UL, 2UL], r.InterruptRows.Single(x => x.Row == "NMI").Counts);
        Assert.Equal([2UL, 2UL], r.InterruptRows.Single(x => x.Row == "PMI").Counts);
    }

    [Fact]
    public void Machine_check_is_recorded_in_faults_SCENARIOS_md_10()
    {
        var r = Run("""
            irqlab: 1
            name: mce
            kernel: {config: {X86_MCE: true}}
            machine: {cpus: 1}
            steps: [{exception: {cpu: 0, vector: 18}}]
            """);
        Assert.Equal("exc_machine_check", Assert.Single(r.Dispatch).Handler);
        Assert.Equal("machine_check", Assert.Single(r.Faults).Kind);
    }
}
