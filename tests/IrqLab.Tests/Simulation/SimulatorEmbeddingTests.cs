using IrqLab.Benchmarks;
using IrqLab.Scenarios;
using IrqLab.Simulation;
using IrqLab.Tests.Robustness;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// <see cref="Simulator.Run"/> as a program that embeds the library meets it: a null scenario is the caller's error,
/// named as such, and machines run at once on several threads share no state (each gives what it gives alone).
/// </summary>
public sealed class SimulatorEmbeddingTests
{
    [Fact]
    public void A_null_scenario_is_an_argument_null_exception_naming_it()
    {
        // It was a NullReferenceException from inside Simulator.Run; ScenarioLoader.Parse/Load already check theirs.
        var e = Assert.Throws<ArgumentNullException>(() => Simulator.Run(null!));
        Assert.Equal("scenario", e.ParamName);
    }

    [Fact]
    public void Shipped_scenarios_run_on_four_threads_at_once_give_their_sequential_json()
    {
        var root = NativeLibraryLocator.FindRepositoryRoot()!;
        var files = Directory.GetFiles(Path.Combine(root, "scenarios"), "*.yaml").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        // The statistical ones cut to 100 ms of simulated time: enough to interleave, a second each would be slow.
        var scenarios = files.Select(ScenarioLoader.Load)
            .Select(s => s.Workload.Count > 0 ? s with { RunUntilNs = Math.Min(s.RunUntilNs ?? long.MaxValue, 100_000_000) } : s)
            .ToArray();
        var alone = scenarios.Select(Json).ToArray();

        // Every scenario twice, interleaved, and the same Scenario object on two threads at once.
        var together = new string[scenarios.Length * 2];
        Parallel.For(0, together.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => together[i] = Json(scenarios[i % scenarios.Length]));

        for (var i = 0; i < together.Length; i++)
        {
            Assert.True(alone[i % scenarios.Length] == together[i], $"{files[i % scenarios.Length]} differs when run beside others");
        }
    }

    private static string Json(IrqLab.Scenarios.Model.Scenario scenario) =>
        Fuzz.JsonWithoutWallMs(Simulator.Run(scenario, new SimulationOptions { LogLimit = 2_000 }));
}
