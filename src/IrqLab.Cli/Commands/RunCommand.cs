using System.CommandLine;
using System.Diagnostics;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;

namespace IrqLab.Cli.Commands;

/// <summary><c>irqlab run [FILE] [--json] [--seed N] [--log-limit N]</c>.</summary>
internal static class RunCommand
{
    public static Option<bool> JsonOption() => new("--json") { Description = "Print the result as the JSON object of SCENARIOS.md §10 on stdout." };

    public static Option<ulong?> SeedOption() => new("--seed") { Description = "Override the scenario's seed (all randomness derives from it)." };

    public static Option<int> LogLimitOption() => new("--log-limit")
    {
        Description = "Cap the dispatch log at N entries (\"dispatch_truncated\": true when reached).",
        DefaultValueFactory = _ => 10_000,
    };

    public static Command Create(CliContext cli)
    {
        var file = new Argument<string?>("FILE")
        {
            Description = "Scenario file (.yaml, .yml or .json). Default: scenarios/default.yaml (a 4-CPU server).",
            Arity = ArgumentArity.ZeroOrOne,
        }.RejectOptionLikeTokens();
        var json = JsonOption();
        var seed = SeedOption();
        var logLimit = LogLimitOption();
        var command = new Command("run", "Run a scenario and print what happened: dispatch log, /proc/interrupts, kernel messages, faults, VM exits.")
        {
            file, json, seed, logLimit,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file) ?? ScenarioFiles.DefaultScenarioPath();
            var asJson = parse.GetValue(json);
            var limit = parse.GetValue(logLimit);
            if (limit < 0)
            {
                throw new CliUsageException("--log-limit must be 0 or more");
            }

            var scenario = ScenarioFiles.TryLoad(cli, path, asJson);
            if (scenario is null)
            {
                return CliApp.ExitBadInput;
            }

            using var progress = new ProgressLine(cli);
            var result = Simulator.Run(scenario, new SimulationOptions
            {
                Seed = parse.GetValue(seed),
                LogLimit = limit,
                Progress = progress.Report,
            });
            progress.Done();
            if (asJson)
            {
                WriteJson(cli, result);
            }
            else
            {
                HumanOutput.WriteRun(cli, path, result);
            }

            return CliApp.ExitOk;
        });
        return command;
    }

    public static void WriteJson(CliContext cli, RunResult result) => CliJson.Write(cli, w => RunResultJson.Write(result, w));
}

/// <summary>A one-line progress bar on stderr, shown only when stderr is a terminal and the run takes over a second.</summary>
internal sealed class ProgressLine(CliContext cli) : IDisposable
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly bool _enabled = cli.IsConsole && !Console.IsErrorRedirected;
    private long _lastDrawMs;
    private bool _drawn;

    public void Report(long nowNs, long endNs)
    {
        if (!_enabled || endNs <= 0)
        {
            return;
        }

        var ms = _wall.ElapsedMilliseconds;
        if (ms < 1000 || ms - _lastDrawMs < 100)
        {
            return;
        }

        _lastDrawMs = ms;
        var fraction = Math.Clamp((double)nowNs / endNs, 0, 1);
        var filled = (int)(fraction * 30);
        cli.Error.Write($"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {fraction * 100,5:0.0}%  simulated {nowNs / 1e6:0.###} ms");
        _drawn = true;
    }

    public void Done()
    {
        if (_drawn)
        {
            cli.Error.Write("\r" + new string(' ', 70) + "\r");
            _drawn = false;
        }
    }

    public void Dispose() => Done();
}
