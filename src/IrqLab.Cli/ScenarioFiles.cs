using IrqLab.Scenarios;
using IrqLab.Scenarios.Model;
using IrqLab.Simulation.Output;

namespace IrqLab.Cli;

/// <summary>Loading scenario files for the commands, with the contract's error reporting.</summary>
internal static class ScenarioFiles
{
    /// <summary>
    /// The scenario <c>irqlab run</c> runs with no file (SCENARIOS.md §11), named as in the repository: the repository's
    /// scenarios/default.yaml, embedded in this assembly at build time so that it runs from any directory.
    /// </summary>
    public const string DefaultScenarioName = "scenarios/default.yaml";

    /// <summary>The text of <see cref="DefaultScenarioName"/> (the embedded copy).</summary>
    public static string ReadDefaultScenario()
    {
        using var stream = typeof(ScenarioFiles).Assembly.GetManifestResourceStream(DefaultScenarioName)
            ?? throw new InvalidOperationException($"{DefaultScenarioName} is not embedded in {typeof(ScenarioFiles).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Loads a scenario; on failure prints the error (and the JSON error object with --json) and returns null.</summary>
    public static Scenario? TryLoad(CliContext cli, string path, bool json) => TryLoad(cli, () => ScenarioLoader.Load(path), json);

    /// <summary>Loads <see cref="DefaultScenarioName"/>, reporting errors as <see cref="TryLoad(CliContext, string, bool)"/> does.</summary>
    public static Scenario? TryLoadDefault(CliContext cli, bool json) =>
        TryLoad(cli, () => ScenarioLoader.Parse(ReadDefaultScenario(), DefaultScenarioName), json);

    private static Scenario? TryLoad(CliContext cli, Func<Scenario> load, bool json)
    {
        var scenario = TryLoad(cli, load, out var error);
        if (error is not null && json)
        {
            WriteJsonError(cli, error.Code, error.Message, error.File, LineOf(error), ColumnOf(error));
        }

        return scenario;
    }

    /// <summary>Loads a scenario; on failure prints the error on stderr and returns null with the error.</summary>
    public static Scenario? TryLoad(CliContext cli, string path, out ScenarioException? error) =>
        TryLoad(cli, () => ScenarioLoader.Load(path), out error);

    private static Scenario? TryLoad(CliContext cli, Func<Scenario> load, out ScenarioException? error)
    {
        try
        {
            error = null;
            return load();
        }
        catch (ScenarioException e)
        {
            cli.Error.WriteLine(e.Message);
            error = e;
            return null;
        }
    }

    // Positions are 1-based; an error with no position in the file (a missing file) reports null.
    public static int? LineOf(ScenarioException e) => e.Line > 0 ? e.Line : null;

    public static int? ColumnOf(ScenarioException e) => e.Column > 0 ? e.Column : null;

    public static void WriteJsonError(CliContext cli, string code, string message, string? file, int? line, int? column)
    {
        using var ms = new MemoryStream();
        RunResultJson.WriteError(ms, code, message, file, line, column);
        cli.Out.Write(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }
}
