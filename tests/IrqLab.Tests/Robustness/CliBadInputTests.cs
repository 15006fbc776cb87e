using System.Text.Json;
using IrqLab.Tests.Scenarios;
using Xunit;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// Issue 8 "Bad input, clear errors" through the CLI: one case per bad-input class (taken from the loader's
/// Data/Scenarios/errors.txt, whose exact messages ScenarioLoaderErrorTests checks at the library level) run as
/// <c>irqlab run FILE --json</c>: exit 2, the one-line message naming file:line:column on stderr, no stack trace, and the
/// §10 error object on stdout. Also resource bounds: cpus above 4096, absurd rates and run lengths, --log-limit.
/// </summary>
public sealed class CliBadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("irqlab-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Issue 8 class → the errors.txt case that represents it.</summary>
    public static TheoryData<string, string> Classes() => new()
    {
        { "malformed YAML", "malformed YAML: unclosed quote (§1)" },
        { "malformed JSON", "malformed JSON: trailing comma (§1)" },
        { "unknown key with did-you-mean", "unknown key with hint (§1, §4)" },
        { "wrong type", "wrong type: text for a number (§4)" },
        { "negative number", "negative number (§1)" },
        { "overflowing number", "overflowing number (§1)" },
        { "vector above 255", "vector > 255 (§6)" },
        { "duration without unit", "duration without unit (§1)" },
        { "rate without unit", "rate without unit (§1, §8)" },
        { "unknown device", "unknown device with hint (§7)" },
        { "unknown register", "unknown register with hint (§7)" },
        { "unknown vector name", "unknown vector name with hint (§7)" },
        { "duplicate name", "duplicate device name (§5)" },
        { "impossible combination", "FRED on 6.1 mainline (§3)" },
        { "missing required key", "missing required key irqlab (§2)" },
        { "empty file", "empty file (§2)" },
    };

    [Theory]
    [MemberData(nameof(Classes))]
    public void Bad_input_class_exits_2_with_file_line_column_on_stderr_and_the_json_error_object(string inputClass, string caseTitle)
    {
        var c = ScenarioTestData.ReadErrorCases().Single(x => x.Title == caseTitle);
        var path = Path.Combine(_dir, c.FileName);
        File.WriteAllText(path, c.Text);
        Assert.StartsWith(c.FileName + ":", c.Message, StringComparison.Ordinal);
        var expected = path + c.Message[c.FileName.Length..];

        var (exit, stdout, stderr) = Fuzz.Cli(c.Text, "run", path, "--json");

        Assert.True(exit == 2, $"{inputClass}: exit {exit}");
        Assert.Equal(expected + Environment.NewLine, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal(1, doc.RootElement.GetProperty("irqlab").GetInt32());
        Assert.Equal(c.Code, error.GetProperty("code").GetString());
        Assert.Equal(expected, error.GetProperty("message").GetString());
        Assert.Equal(path, error.GetProperty("file").GetString());
        var position = c.Message[(c.FileName.Length + 1)..].Split(':');
        Assert.Equal(int.Parse(position[0], System.Globalization.CultureInfo.InvariantCulture), error.GetProperty("line").GetInt32());
        Assert.Equal(int.Parse(position[1], System.Globalization.CultureInfo.InvariantCulture), error.GetProperty("column").GetInt32());
    }

    [Theory]
    [InlineData("machine: {cpus: 4097}", "3:17: error: machine.cpus must be 1..4096, got 4097")]
    [InlineData("machine: {cpus: 99999999999999999999}", "3:17: error: machine.cpus must be 1..4096, got 99999999999999999999")]
    [InlineData("workload:\n  - {timer: {hz: 1000000000000}}", "4:18: error: workload[0].timer.hz must be 1..1000000000, got 1000000000000")]
    [InlineData("run: {until: 18446744073709551616}", "3:14: error: run.until must be 0..9223372036854775807 ns, got 18446744073709551616")]
    [InlineData("run: {until: 99999999999999s}", "3:14: error: run.until must be 0..9223372036854775807 ns, got 99999999999999s")]
    public void Absurd_sizes_rates_and_run_lengths_are_clear_errors(string yaml, string expected)
    {
        var path = Path.Combine(_dir, "bounds.yaml");
        var text = "irqlab: 1\nname: bounds\n" + yaml + "\n";
        File.WriteAllText(path, text);
        var (exit, stdout, stderr) = Fuzz.Cli(text, "run", path, "--json");
        Assert.Equal(2, exit);
        Assert.Equal($"{path}:{expected}{Environment.NewLine}", stderr);
        Fuzz.CheckErrorJson(stdout, stderr, text);
    }

    [Fact]
    public void Log_limit_bounds_the_dispatch_log_of_a_long_run()
    {
        // 4 CPUs x 100 kHz timer x 50 ms = 20000 handler entries; the log keeps 25 and says so.
        var path = Path.Combine(_dir, "long.yaml");
        var text = "irqlab: 1\nname: long\nmachine: {cpus: 4}\nworkload:\n  - {timer: {hz: 100000}}\nrun: {until: 50ms}\n";
        File.WriteAllText(path, text);
        var (exit, stdout, _) = Fuzz.Cli(text, "run", path, "--json", "--log-limit", "25");
        Assert.Equal(0, exit);
        Fuzz.CheckRunJson(stdout, text);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(25, doc.RootElement.GetProperty("dispatch").GetArrayLength());
        Assert.True(doc.RootElement.GetProperty("dispatch_truncated").GetBoolean());
        Assert.True(doc.RootElement.GetProperty("stats").GetProperty("delivered").GetInt64() >= 20_000);
        Assert.True(stdout.Length < 64 * 1024, $"{stdout.Length} bytes of JSON for a 25-entry log");
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("x")]
    [InlineData("99999999999")]
    public void Bad_log_limit_is_a_usage_error(string limit)
    {
        var path = Path.Combine(_dir, "ok.yaml");
        File.WriteAllText(path, "irqlab: 1\nname: ok\n");
        var (exit, _, stderr) = Fuzz.Cli(limit, "run", path, "--log-limit", limit);
        Assert.Equal(2, exit);
        Assert.StartsWith("irqlab: error: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_exits_2_with_the_io_error()
    {
        var path = Path.Combine(_dir, "nope.yaml");
        var (exit, stdout, stderr) = Fuzz.Cli(path, "run", path, "--json");
        Assert.Equal(2, exit);
        Assert.Equal($"{path}: error: file not found{Environment.NewLine}", stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("io", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
