using IrqLab.Scenarios;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;
using Xunit;
using Xunit.Sdk;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// Issue 8 "random event sequences": long random sequences of device raises/lowers/pulses, IPIs of every mode and
/// destination, NMIs, exceptions, cli/sti, EOI and TPR writes through <see cref="Simulator.Run"/>: no exception, no hang,
/// and the conservation identity raised == delivered + coalesced + pending + masked + dropped.
/// </summary>
public sealed class SimulatorEventFuzzTests
{
    public const int Iterations = 2500;

    [Fact]
    public void Random_event_sequences_conserve_every_raised_interrupt()
    {
        long steps = 0;
        long raised = 0;
        Fuzz.Run(ScenarioGrammar.EventSequences(300), seed: 61, Iterations, g =>
        {
            var scenario = ScenarioLoader.Parse(g.Yaml, "events.yaml");
            var task = Task.Run(() => Simulator.Run(scenario, new SimulationOptions { LogLimit = 100 }));
            if (!task.Wait(Fuzz.RunTimeout))
            {
                throw new XunitException($"Simulator.Run did not finish in {Fuzz.RunTimeout.TotalSeconds}s\n{g}");
            }

            var s = task.Result.Stats;
            var accounted = s.Delivered + s.Coalesced + s.Pending + s.Masked + s.Dropped;
            if (s.Raised != accounted)
            {
                throw new XunitException($"conservation broken: {Describe(s)}\n{g}");
            }

            steps += g.StepCount;
            raised += s.Raised;
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"event fuzz: {Iterations} runs, {steps} steps, {raised} interrupts raised");
        Assert.True(steps >= 300_000, $"only {steps} steps");
    }

    /// <summary>Regression: the fuzzer's shrunk reproduction of the INIT double count (docs/reliability.md, bug 1).</summary>
    [Fact]
    public void Init_after_an_in_service_vector_keeps_the_books_balanced()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "Robustness", "init-after-spurious-vector.yaml");
        var s = Simulator.Run(ScenarioLoader.Load(path)).Stats;
        Assert.Equal(1, s.Raised);
        Assert.Equal(1, s.Delivered);
        Assert.Equal(0, s.Dropped);
        Assert.Equal(s.Raised, s.Delivered + s.Coalesced + s.Pending + s.Masked + s.Dropped);
    }

    private static string Describe(RunStats s) =>
        $"raised {s.Raised} != delivered {s.Delivered} + coalesced {s.Coalesced} + pending {s.Pending} + masked {s.Masked} + dropped {s.Dropped}";
}
