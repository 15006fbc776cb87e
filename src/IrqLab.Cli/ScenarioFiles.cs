using IrqLab.Scenarios;
using IrqLab.Scenarios.Model;
using IrqLab.Simulation.Output;

namespace IrqLab.Cli;

/// <summary>Loading scenario files for the commands, with the contract's error reporting.</summary>
internal static class ScenarioFiles
{
    /// <summary>scenarios/default.yaml, looked up from the current directory upwards, then beside the tool.</summary>
    public static string DefaultScenarioPath()
    {
        const string Relative = "scenarios/default.yaml";
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, Relative);
            if (File.Exists(candidate))
            {
                return Path.GetRelativePath(Directory.GetCurrentDirectory(), candidate);
            }
        }

        var beside = Path.Combine(AppContext.BaseDirectory, Relative);
        return File.Exists(beside) ? beside : Relative;
    }

    /// <summary>Loads a scenario; on failure prints the error (and the JSON error object with --json) and returns null.</summary>
    public static Scenario? TryLoad(CliContext cli, string path, bool json)
    {
        try
        {
            return ScenarioLoader.Load(path);
        }
        catch (ScenarioException e)
        {
            cli.Error.WriteLine(e.Message);
            if (json)
            {
                // Positions are 1-based; an error with no position in the file (a missing file) reports null.
                WriteJsonError(cli, e.Code, e.Message, e.File, e.Line > 0 ? e.Line : null, e.Column > 0 ? e.Column : null);
            }

            return null;
        }
    }

    public static void WriteJsonError(CliContext cli, string code, string message, string? file, int? line, int? column)
    {
        using var ms = new MemoryStream();
        RunResultJson.WriteError(ms, code, message, file, line, column);
        cli.Out.Write(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }
}
