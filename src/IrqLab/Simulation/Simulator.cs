using IrqLab.Scenarios.Model;
using IrqLab.Simulation.Output;

namespace IrqLab.Simulation;

/// <summary>Runs scenarios: the library's entry point for <c>irqlab run</c> and <c>irqlab check</c>.</summary>
public static class Simulator
{
    /// <summary>Simulated time a scenario with a workload but no <c>run.until</c> runs for (1 s).</summary>
    public const long DefaultWorkloadRunNs = 1_000_000_000;

    /// <summary>Builds the machine of <paramref name="scenario"/>, runs its steps and <c>run.until</c>, and returns the result.</summary>
    public static RunResult Run(Scenario scenario, SimulationOptions? options = null)
    {
        options ??= new SimulationOptions();
        if (scenario.RunUntilNs is null && scenario.Workload.Count > 0)
        {
            scenario = scenario with { RunUntilNs = DefaultWorkloadRunNs };
        }

        var machine = new Machine(scenario, options);
        return machine.Run();
    }
}
