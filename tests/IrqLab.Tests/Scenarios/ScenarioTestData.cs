namespace IrqLab.Tests.Scenarios;

/// <summary>Locates and parses the scenario test data copied next to the test assembly.</summary>
internal static class ScenarioTestData
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Data", "Scenarios");

    public static string ValidDirectory => Path.Combine(Directory, "valid");

    /// <summary>One case of errors.txt.</summary>
    public sealed record ErrorCase(string Title, int Line, string FileName, string Text, string Code, string Message)
    {
        public override string ToString() => $"errors.txt:{Line} {Title}";
    }

    /// <summary>Reads errors.txt: "=== title", "--> FILE", text lines, "&lt;-- CODE", message line.</summary>
    public static IReadOnlyList<ErrorCase> ReadErrorCases()
    {
        var lines = File.ReadAllLines(Path.Combine(Directory, "errors.txt"));
        var cases = new List<ErrorCase>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("=== ", StringComparison.Ordinal))
            {
                continue;
            }

            var title = lines[i][4..];
            var start = i + 1;
            var file = lines[++i][4..];
            var text = new List<string>();
            while (!lines[++i].StartsWith("<-- ", StringComparison.Ordinal))
            {
                text.Add(lines[i]);
            }

            var code = lines[i][4..];
            var message = lines[++i];
            cases.Add(new ErrorCase(title, start, file, string.Join("\n", text) + (text.Count > 0 ? "\n" : string.Empty), code, message));
        }

        return cases;
    }
}
