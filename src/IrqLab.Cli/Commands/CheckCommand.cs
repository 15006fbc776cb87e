using System.CommandLine;
using IrqLab.Simulation;

namespace IrqLab.Cli.Commands;

/// <summary><c>irqlab check FILE...</c>: runs each scenario and evaluates its expect steps.</summary>
internal static class CheckCommand
{
    public static Command Create(CliContext cli)
    {
        var files = new Argument<string[]>("FILE")
        {
            Description = "Scenario files whose expect steps to check.",
            Arity = ArgumentArity.OneOrMore,
        }.RejectOptionLikeTokens();
        var seed = RunCommand.SeedOption();
        var command = new Command("check", "Run scenarios and evaluate their expect steps; exit 1 if any fails, 2 on bad input.")
        {
            files, seed,
        };
        command.SetAction(parse =>
        {
            var exit = CliApp.ExitOk;
            var total = 0;
            var failed = 0;
            foreach (var path in parse.GetValue(files)!)
            {
                var scenario = ScenarioFiles.TryLoad(cli, path, json: false);
                if (scenario is null)
                {
                    exit = CliApp.ExitBadInput;
                    continue;
                }

                var result = Simulator.Run(scenario, new SimulationOptions { Seed = parse.GetValue(seed), LogLimit = 0 });
                var bad = result.Expects.Where(e => !e.Ok).ToList();
                total += result.Expects.Count;
                failed += bad.Count;
                foreach (var e in bad)
                {
                    cli.Out.WriteLine($"{path}:{e.Line}: FAIL step {e.Step}: {e.Detail}");
                }

                cli.Out.WriteLine(bad.Count == 0
                    ? $"{path}: ok ({result.Expects.Count} expects)"
                    : $"{path}: FAILED ({bad.Count} of {result.Expects.Count} expects)");
                if (bad.Count > 0 && exit == CliApp.ExitOk)
                {
                    exit = CliApp.ExitCheckFailed;
                }
            }

            cli.Out.WriteLine($"{total - failed} passed, {failed} failed");
            return exit;
        });
        return command;
    }
}
