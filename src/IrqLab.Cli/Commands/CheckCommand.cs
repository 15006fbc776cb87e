using System.CommandLine;
using IrqLab.Scenarios;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;

namespace IrqLab.Cli.Commands;

/// <summary><c>irqlab check FILE...</c>: runs each scenario and evaluates its expect steps.</summary>
internal static class CheckCommand
{
    public static Command Create(CliContext cli)
    {
        var files = new Argument<string[]>("FILE")
        {
            Description = "Scenario files whose expect steps to check.",
            HelpName = "FILE...",
            Arity = ArgumentArity.OneOrMore,
        }.RejectOptionLikeTokens(cli);
        var seed = RunCommand.SeedOption();
        var maxEvents = RunCommand.MaxEventsOption();
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object instead of text: per file its expects (step, ok, detail) or its load error, then the totals.",
        };
        var command = new Command("check", "Run scenarios and evaluate their expect steps; exit 1 if any fails, 2 on bad input.")
        {
            files, seed, maxEvents, json,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            var checks = new List<FileCheck>();
            foreach (var path in parse.GetValue(files)!)
            {
                var scenario = ScenarioFiles.TryLoad(cli, path, out var error);
                var result = scenario is null ? null : Simulator.Run(scenario, new SimulationOptions { Seed = parse.GetValue(seed), LogLimit = 0, MaxEvents = parse.GetValue(maxEvents) });
                if (result is not null)
                {
                    RunWarnings.Write(cli, result, path);
                }

                var check = new FileCheck(path, result?.Expects ?? [], error);
                checks.Add(check);
                if (!asJson && result is not null)
                {
                    WriteText(cli, check);
                }
            }

            var failed = checks.Sum(c => c.Failed);
            var passed = checks.Sum(c => c.Expects.Count) - failed;
            if (asJson)
            {
                WriteJson(cli, checks, passed, failed);
            }
            else
            {
                cli.Out.WriteLine($"{passed} passed, {failed} failed");
            }

            // Bad input (exit 2) outranks a failed expect (exit 1).
            return checks.Any(c => c.Error is not null) ? CliApp.ExitBadInput
                : failed > 0 ? CliApp.ExitCheckFailed
                : CliApp.ExitOk;
        });
        return command;
    }

    private static void WriteText(CliContext cli, FileCheck check)
    {
        foreach (var e in check.Expects.Where(e => !e.Ok))
        {
            cli.Out.WriteLine($"{check.File}:{e.Line}: FAIL step {e.Step}: {e.Detail}");
        }

        cli.Out.WriteLine(check.Failed == 0
            ? $"{check.File}: ok ({Expects(check.Expects.Count)})"
            : $"{check.File}: FAILED ({check.Failed} of {Expects(check.Expects.Count)})");
    }

    private static string Expects(int count) => count == 1 ? "1 expect" : $"{count} expects";

    private static void WriteJson(CliContext cli, IReadOnlyList<FileCheck> checks, int passed, int failed) =>
        CliJson.Write(cli, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("irqlab", 1);
            w.WriteStartArray("files");
            foreach (var c in checks)
            {
                w.WriteStartObject();
                w.WriteString("file", c.File);
                w.WriteBoolean("ok", c.Error is null && c.Failed == 0);
                RunResultJson.WriteExpects(w, c.Expects);
                if (c.Error is { } e)
                {
                    RunResultJson.WriteErrorObject(w, e.Code, e.Message, e.File, ScenarioFiles.LineOf(e), ScenarioFiles.ColumnOf(e));
                }
                else
                {
                    w.WriteNull("error");
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteNumber("passed", passed);
            w.WriteNumber("failed", failed);
            w.WriteEndObject();
        });

    /// <summary>One file's outcome: its expects when it ran, or the error that kept it from loading.</summary>
    private sealed record FileCheck(string File, IReadOnlyList<ExpectEntry> Expects, ScenarioException? Error)
    {
        public int Failed { get; } = Expects.Count(e => !e.Ok);
    }
}
