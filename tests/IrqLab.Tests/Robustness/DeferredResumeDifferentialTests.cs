using CsCheck;
using IrqLab.Scenarios;
using IrqLab.Scenarios.Model;
using IrqLab.Simulation;
using Xunit;
using Xunit.Sdk;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// The engine defers a Linux handler's resume event when nothing else can see the return (docs/performance.md,
/// "Deferred handler resumes"). Random Linux scenarios from <see cref="ScenarioGrammar"/>, with device, timer and IPI
/// workloads, steps between the advances and handler costs that overlap the arrivals, must give the same JSON (minus
/// stats.wall_ms) with deferral and with every resume queued (<see cref="SimulationOptions.EagerResumes"/>).
/// </summary>
public sealed class DeferredResumeDifferentialTests
{
    /// <summary>Scenarios per run (raise it locally for a longer search).</summary>
    public const int Iterations = 400;

    private static readonly string[] s_untils = ["300us", "1ms"];

    [Fact]
    public void Deferred_and_eager_resumes_give_the_same_json()
    {
        var compared = 0;
        Fuzz.Run(LinuxWorkloadScenarios(30), seed: 20261127, Iterations, g =>
        {
            Scenario scenario;
            try
            {
                scenario = ScenarioLoader.Parse(g.Yaml, "deferred.yaml");
            }
            catch (ScenarioException)
            {
                return;
            }

            var deferred = Json(scenario, eager: false);
            var eager = Json(scenario, eager: true);
            if (deferred != eager)
            {
                throw new XunitException($"deferred and eager resumes differ\n--- deferred ---\n{deferred}\n--- eager ---\n{eager}\n{g}");
            }

            compared++;
        });

        Assert.True(compared >= Iterations * 3 / 4, $"only {compared} of {Iterations} scenarios ran");
    }

    /// <summary>
    /// Linux scenarios with at least one device and one workload; a third declare a VM (deferral then stays off on the
    /// CPUs a vCPU is entered on, and applies on the others).
    /// </summary>
    private static Gen<GeneratedScenario> LinuxWorkloadScenarios(int maxSteps) =>
        Gen.Select(
            Gen.ULong,
            Gen.ULong.Array[1, 4],
            Gen.ULong.Array[1, 3],
            Gen.ULong.Array[0, maxSteps],
            Gen.ULong,
            Gen.Int[0, 2],
            (header, devices, workload, steps, vm, until) =>
            {
                // Choice 0 of the header's first pick is Linux mode; a VM is declared when vmChoice % 3 == 0.
                var g = ScenarioGrammar.Build(header << 1, devices, [], workload, steps, vm);
                return until == 2 ? g : g with { Yaml = WithUntil(g.Yaml, s_untils[until]) };
            });

    private static string WithUntil(string yaml, string until)
    {
        var at = yaml.LastIndexOf("run: {until: ", StringComparison.Ordinal);
        return yaml[..at] + "run: {until: " + until + "}\n";
    }

    private static string Json(Scenario scenario, bool eager) =>
        Fuzz.JsonWithoutWallMs(Simulator.Run(scenario, new SimulationOptions { LogLimit = 100_000, EagerResumes = eager }));
}
