using BenchmarkDotNet.Attributes;
using IrqLab.Scenarios;
using IrqLab.Simulation;

namespace IrqLab.Benchmarks;

/// <summary>
/// Simulation throughput under BenchmarkDotNet: one invocation simulates the first 100 ms of a shipped scenario, so
/// the real-time factor is 0.1 s over the reported mean (machine construction included, as <c>irqlab run</c> pays it).
/// </summary>
[MemoryDiagnoser]
public class SimulationBenchmarks
{
    /// <summary>Simulated time of one invocation.</summary>
    public const long RunNs = 100_000_000;

    private Scenarios.Model.Scenario _scenario = null!;

    /// <summary>The scenario, relative to the repository root.</summary>
    [Params("scenarios/default.yaml", "bench/scenarios/server-64.yaml", "bench/scenarios/ipi-1024.yaml")]
    public string Scenario { get; set; } = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var root = NativeLibraryLocator.FindRepositoryRoot()
            ?? throw new InvalidOperationException("run the benchmarks from a checkout of the IrqLab repository (IrqLab.slnx not found)");
        _scenario = ScenarioLoader.Load(Path.Combine(root, Scenario)) with { RunUntilNs = RunNs };
    }

    /// <summary>Runs the scenario; returns the interrupts delivered (so the run cannot be optimised away).</summary>
    [Benchmark(Description = "simulate 100 ms")]
    public long Simulate() => Simulator.Run(_scenario, new SimulationOptions { LogLimit = 0 }).Stats.Delivered;
}
