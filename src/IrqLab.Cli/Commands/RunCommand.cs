using System.CommandLine;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;

namespace IrqLab.Cli.Commands;

/// <summary><c>irqlab run [FILE] [--json] [--seed N] [--log-limit N] [--max-events N]</c>.</summary>
internal static class RunCommand
{
    public static Option<bool> JsonOption() => new("--json") { Description = "Print the result as the JSON object of SCENARIOS.md §10 on stdout." };

    public static Option<ulong?> SeedOption() =>
        new Option<ulong?>("--seed") { Description = "Override the scenario's seed (all randomness derives from it).", HelpName = "N" }.UInt64();

    public static Option<int> LogLimitOption() =>
        new Option<int>("--log-limit") { Description = "Cap the dispatch log at N entries (\"dispatch_truncated\": true when entries were left out).", HelpName = "N" }
            .NonNegativeInt32(10_000);

    public static Option<long?> MaxEventsOption() =>
        new Option<long?>("--max-events")
        {
            Description = "Stop the run when stats.events (steps plus engine events) reaches N, with a warning message; " +
                          "expects not reached then fail. Bounds the work of a long run.until or a high rate.",
            HelpName = "N",
        }.PositiveInt64();

    public static Command Create(CliContext cli)
    {
        var file = new Argument<string?>("FILE")
        {
            Description = "Scenario file (.yaml, .yml or .json). Default: scenarios/default.yaml (a 4-CPU server).",
            Arity = ArgumentArity.ZeroOrOne,
        }.RejectOptionLikeTokens(cli);
        var json = JsonOption();
        var seed = SeedOption();
        var logLimit = LogLimitOption();
        var maxEvents = MaxEventsOption();
        var command = new Command("run", "Run a scenario and print what happened: a summary, /proc/interrupts, kernel messages, faults, VM exits by reason (--json adds the dispatch log).")
        {
            file, json, seed, logLimit, maxEvents,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file);
            var asJson = parse.GetValue(json);
            var limit = parse.GetValue(logLimit);
            var scenario = path is null ? ScenarioFiles.TryLoadDefault(cli, asJson) : ScenarioFiles.TryLoad(cli, path, asJson);
            if (scenario is null)
            {
                return CliApp.ExitBadInput;
            }

            using var progress = new ProgressLine(cli);
            var result = Simulator.Run(scenario, new SimulationOptions
            {
                Seed = parse.GetValue(seed),
                LogLimit = limit,
                MaxEvents = parse.GetValue(maxEvents),
                Progress = progress.Report,
            });
            progress.Done();
            if (asJson)
            {
                WriteJson(cli, result);
            }
            else
            {
                HumanOutput.WriteRun(cli, path ?? ScenarioFiles.DefaultScenarioName, result);
            }

            return CliApp.ExitOk;
        });
        return command;
    }

    public static void WriteJson(CliContext cli, RunResult result) => CliJson.Write(cli, w => RunResultJson.Write(result, w));
}
