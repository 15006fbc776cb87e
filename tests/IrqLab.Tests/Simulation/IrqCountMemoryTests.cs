using IrqLab.Scenarios;
using IrqLab.Simulation;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// SCENARIOS.md §4 (1..4096 CPUs) and §5 (MSI-X up to 2048 vectors a device): a legal scenario whose drivers request
/// many vectors on a large machine runs in bounded memory. Linux keeps <c>kstat_irqs</c> per CPU for every irq
/// (<c>alloc_percpu()</c> in <c>alloc_desc()</c>, kernel/irq/irqdesc.c); the model allocates an irq's per-CPU counts
/// at its first interrupt, and /proc/interrupts rows of irqs that never fired share one row of zeros. Before, a
/// 4096-CPU machine with 40 NICs of 2048 MSI-X vectors held 16 bytes per CPU per irq (counts plus the output's copy)
/// and ran out of memory (exit 70) under a 3 GB heap; 10 NICs peaked at 1.4 GB RSS, 84 MB after.
/// </summary>
public sealed class IrqCountMemoryTests
{
    private static string Yaml(int nics) =>
        "irqlab: 1\nname: many-msix\nmachine: {cpus: 4096}\ndevices:\n"
        + string.Concat(Enumerable.Range(0, nics).Select(i => $"  - name: nic{i}\n    msix: {{vectors: 2048}}\n"))
        + "steps:\n  - {raise: {device: nic1, vector_index: 5}}\n  - {advance: 1us}\n";

    [Fact]
    public void Irqs_that_never_fire_hold_no_per_cpu_counts_on_4096_cpus_SCENARIOS_md_4()
    {
        var scenario = ScenarioLoader.Parse(Yaml(4), "many-msix.yaml");
        Simulator.Run(scenario, new SimulationOptions { LogLimit = 0 }); // warm-up

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = Simulator.Run(scenario, new SimulationOptions { LogLimit = 0 });
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // 8192 irqs x 4096 CPUs x 8 bytes is 268 MB per dense copy; the one irq that fired needs 32 KB.
        Assert.True(allocated < 64_000_000, $"the run allocated {allocated:N0} bytes: per-CPU counts of irqs that never fired");

        // The counts are still right: nic1's vector 5 is irq 24 + 2048 + 5, counted once on the CPU it targets.
        var msix = result.InterruptRows.Where(r => r.Chip is not null && r.Chip.StartsWith("PCI-MSIX", StringComparison.Ordinal)).ToList();
        Assert.Equal(4 * 2048, msix.Count);
        var fired = Assert.Single(msix, r => r.Counts.Any(c => c != 0));
        Assert.Equal("2077", fired.Row);
        Assert.Equal(1UL, fired.Counts.Aggregate(0UL, (s, c) => s + c));
        Assert.All(msix.Where(r => r != fired), r => Assert.Equal(4096, r.Counts.Count));
    }
}
