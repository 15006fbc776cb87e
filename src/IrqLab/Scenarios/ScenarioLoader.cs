using IrqLab.Scenarios.Model;
using IrqLab.Scenarios.Syntax;

namespace IrqLab.Scenarios;

/// <summary>
/// Reads scenario files (SCENARIOS.md §1-§9) into a validated <see cref="Scenario"/>. Every error is a
/// <see cref="ScenarioException"/> naming file, line, column and what was expected.
/// </summary>
public static class ScenarioLoader
{
    /// <summary>Reads and validates the file at <paramref name="path"/> (<c>.json</c> as JSON, anything else as YAML).</summary>
    /// <exception cref="ScenarioException">The file cannot be read (code <c>io</c>) or is not a valid scenario.</exception>
    public static Scenario Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = System.IO.File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var reason = ex is FileNotFoundException or DirectoryNotFoundException ? "file not found" : "cannot read the file: " + ex.Message;
            throw new ScenarioException(ErrorCodes.Io, path, 0, 0, reason, ex);
        }

        return Parse(text, path);
    }

    /// <summary>
    /// Validates scenario <paramref name="text"/>; <paramref name="fileName"/> names it in errors and selects the format
    /// (<c>.json</c> is read as JSON, anything else as YAML).
    /// </summary>
    /// <exception cref="ScenarioException">The text is not a valid scenario.</exception>
    public static Scenario Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var errors = new ErrorFactory(fileName);
        text = text.TrimStart('\uFEFF');
        if (fileName.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return ScenarioReader.Build(JsonTreeReader.Read(text, errors), errors);
        }

        var root = YamlTreeReader.Read(text, errors, out var pendingDuplicate);
        var scenario = ScenarioReader.Build(root, errors);
        return pendingDuplicate is null ? scenario : throw pendingDuplicate;
    }
}
