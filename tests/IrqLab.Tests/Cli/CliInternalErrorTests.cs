using System.Text;
using System.Text.Json;
using IrqLab.Cli;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// SCENARIOS.md §10 "With --json stdout also holds {"irqlab": 1, "error": {...}}" for every error, an internal one (exit
/// 70, a bug in IrqLab) included: code <c>internal</c>, the stderr line as message, the scenario as file. The bug is
/// simulated by a stdout whose first write throws, which every command with --json reaches.
/// </summary>
public sealed class CliInternalErrorTests
{
    private static readonly string s_default = RepoPaths.Scenario("default.yaml");

    public static TheoryData<string[], string?> Commands() => new()
    {
        { ["run", s_default, "--json"], s_default },
        { ["run", "--json"], "scenarios/default.yaml" },
        { ["vectors", "--json"], null },
        { ["replay", Path.Combine(AppContext.BaseDirectory, "Data", "Tracing", "ftrace-irq-6x.txt"), "--json"], Path.Combine(AppContext.BaseDirectory, "Data", "Tracing", "ftrace-irq-6x.txt") },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Internal_error_with_json_prints_the_internal_error_object_and_exits_70_SCENARIOS_md_10(string[] args, string? file)
    {
        var stdout = new FailOnceWriter();
        var stderr = new StringWriter();

        var exit = CliApp.Run(args, stdout, stderr);

        Assert.Equal(70, exit);
        var line = stderr.ToString().TrimEnd();
        Assert.StartsWith("irqlab: internal error: ", line, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(stdout.Text.ToString());
        Assert.Equal(1, doc.RootElement.GetProperty("irqlab").GetInt32());
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("internal", error.GetProperty("code").GetString());
        Assert.Equal(line, error.GetProperty("message").GetString());
        Assert.Equal(file, error.GetProperty("file").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("line").ValueKind);
        Assert.Equal(JsonValueKind.Null, error.GetProperty("column").ValueKind);
    }

    /// <summary>Throws on the first write of any text (the simulated bug), then records what follows.</summary>
    private sealed class FailOnceWriter : TextWriter
    {
        private bool _failed;

        public StringBuilder Text { get; } = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => Write(value.ToString());

        public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

        public override void Write(ReadOnlySpan<char> buffer) => Write(buffer.ToString());

        public override void Write(string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            if (!_failed)
            {
                _failed = true;
                throw new InvalidOperationException("simulated bug");
            }

            Text.Append(value);
        }
    }
}
