using IrqLab.Scenarios.Model;
using IrqLab.Simulation.Output;

namespace IrqLab.Simulation;

/// <summary>Runs scenarios: the library's entry point for <c>irqlab run</c> and <c>irqlab check</c>.</summary>
public static class Simulator
{
    /// <summary>Simulated time a scenario with a workload but no <c>run.until</c> runs for (1 s).</summary>
    public const long DefaultWorkloadRunNs = 1_000_000_000;

    /// <summary>Builds the machine of <paramref name="scenario"/>, runs its steps and <c>run.until</c>, and returns the result.</summary>
    /// <param name="scenario">
    /// A scenario as <see cref="Scenarios.ScenarioLoader"/> returns it, validated. The model's records can also be built
    /// in code, but nothing validates them then: a value the loader would refuse (no CPU, a device with no line, an
    /// unknown name) fails inside the run with whatever exception it meets. To build a scenario in code, write its
    /// YAML or JSON text and give it to <see cref="Scenarios.ScenarioLoader.Parse"/>, which names the key at fault.
    /// </param>
    /// <param name="options">Knobs that are not part of the scenario; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="scenario"/> is null.</exception>
    public static RunResult Run(Scenario scenario, SimulationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        options ??= new SimulationOptions();
        if (scenario.RunUntilNs is null && scenario.Workload.Count > 0)
        {
            scenario = scenario with { RunUntilNs = DefaultWorkloadRunNs };
        }

        var machine = new Machine(scenario, options);
        return machine.Run();
    }
}
