using System.Text;
using IrqLab.Scenarios;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;
using IrqLab.Tests.Cli;
using Xunit;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// docs/simulation.md "Safety bounds": a run keeps at most 100,000 VM exits, so a zero-time storm of guest IPIs between
/// vCPUs (each one an APIC_WRITE exit, SDM Vol. 3C 30.4.3.3) does not hold memory without bound. Found by the
/// eighteenth session's soak of the guest actions: a 4-vCPU ring held 12 million exits in 2.9 GB of memory.
/// </summary>
public sealed class VmExitBoundTests
{
    [Fact]
    public void A_guest_ipi_storm_keeps_a_bounded_vm_exit_log_and_counts_the_rest_by_reason()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "Robustness", "guest-ipi-pingpong-storm.yaml");
        var r = Simulator.Run(ScenarioLoader.Load(path), new SimulationOptions { LogLimit = 10 });

        Assert.StartsWith("irqlab: CPU", r.Messages[^1].Text, StringComparison.Ordinal);
        Assert.Equal(100_000, r.VmExits.Count);
        Assert.Equal(Enumerable.Range(0, 100_000).Select(i => (long)i), r.VmExits.Select(x => x.Seq));
        Assert.All(r.VmExits, x => Assert.Equal("APIC_WRITE", x.Reason));

        // Every IPI exits once: the handlers entered are the two ends of the ping-pong, one exit each (the last handler
        // may have been stopped by the bound before its IPI).
        var notKept = Assert.Single(r.VmExitsNotKept);
        Assert.Equal(("APIC_WRITE", (string?)null), notKept.Key);
        var exits = r.VmExits.Count + notKept.Value;
        Assert.InRange(exits, r.Stats.Handlers - 1, r.Stats.Handlers);
        Assert.True(exits > 3_000_000, $"{exits} exits");

        // The JSON says so with the extension keys after vmexits, in the shape the contract's fuzzers check.
        using var ms = new MemoryStream();
        RunResultJson.Write(r, ms);
        var json = Encoding.UTF8.GetString(ms.ToArray());
        RunJsonShape.Check(json);
        Assert.Contains($"\"vmexits_truncated\": true,\n  \"vmexits_not_kept\": {notKept.Value},", json.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
