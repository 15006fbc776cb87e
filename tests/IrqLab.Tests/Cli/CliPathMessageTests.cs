using System.Text.Json;
using IrqLab.Scenarios;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// SCENARIOS.md §10: "a bad file or argument exits 2; the message names the file ... and what was expected", in plain
/// words (docs/cli.md): an empty path is "no file given" (a usage error), a directory where a file is expected is
/// "'PATH' is a directory"; never .NET's "(Parameter 'path')" or the misleading "Access to the path ... is denied".
/// </summary>
public sealed class CliPathMessageTests : IDisposable
{
    private static readonly string s_default = RepoPaths.Scenario("default.yaml");

    private readonly string _dir = Directory.CreateTempSubdirectory("irqlab-paths-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string[], string> EmptyPaths() => new()
    {
        { ["run", "", "--json"], "no file given: the FILE argument is empty" },
        { ["check", ""], "no file given: the FILE argument is empty" },
        { ["trace", s_default, "-o", ""], "no file given: --output is empty" },
        { ["replay", "", "--json"], "no file given: the FILE argument is empty" },
        { ["replay", "before.txt", "", "--interval", "1s"], "no file given: the AFTER argument is empty" },
        { ["replay", "capture.txt", "--trace", ""], "no file given: --trace is empty" },
        { ["bench", "--scaling", "--plot", ""], "no file given: --plot is empty" },
    };

    [Theory]
    [MemberData(nameof(EmptyPaths))]
    public void Empty_path_is_a_usage_error_saying_no_file_given_SCENARIOS_md_10(string[] args, string expected)
    {
        var (exit, stdout, stderr) = CliRunner.Run(args);

        Assert.Equal(2, exit);
        Assert.Equal("irqlab: error: " + expected, stderr.Split(Environment.NewLine)[0]);
        Assert.DoesNotContain("Parameter", stderr, StringComparison.Ordinal);
        if (args.Contains("--json"))
        {
            using var doc = JsonDocument.Parse(stdout);
            var error = doc.RootElement.GetProperty("error");
            Assert.Equal("usage", error.GetProperty("code").GetString());
            Assert.Equal("irqlab: error: " + expected, error.GetProperty("message").GetString());
        }
    }

    [Fact]
    public void Run_of_a_directory_says_it_is_a_directory_with_the_io_error_object_SCENARIOS_md_10()
    {
        var path = Directory.CreateDirectory(Path.Combine(_dir, "somedir.yaml")).FullName;

        var (exit, stdout, stderr) = CliRunner.Run("run", path, "--json");

        Assert.Equal(2, exit);
        Assert.Equal($"{path}: error: '{path}' is a directory{Environment.NewLine}", stderr);
        using var doc = JsonDocument.Parse(stdout);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("io", error.GetProperty("code").GetString());
        Assert.Equal(path, error.GetProperty("file").GetString());
    }

    [Fact]
    public void Check_of_a_directory_says_it_is_a_directory_SCENARIOS_md_10()
    {
        var path = Directory.CreateDirectory(Path.Combine(_dir, "somedir")).FullName;

        var (exit, _, stderr) = CliRunner.Run("check", path);

        Assert.Equal(2, exit);
        Assert.StartsWith($"{path}: error: '{path}' is a directory{Environment.NewLine}", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_output_to_a_directory_says_it_is_a_directory_SCENARIOS_md_10()
    {
        var path = Directory.CreateDirectory(Path.Combine(_dir, "out.json")).FullName;

        var (exit, _, stderr) = CliRunner.Run("trace", s_default, "-o", path);

        Assert.Equal(2, exit);
        Assert.Equal($"irqlab: error: cannot write '{path}': '{path}' is a directory{Environment.NewLine}", stderr);
    }

    [Fact]
    public void Replay_of_a_directory_says_it_is_a_directory_SCENARIOS_md_10()
    {
        var path = Directory.CreateDirectory(Path.Combine(_dir, "capture")).FullName;

        var (exit, _, stderr) = CliRunner.Run("replay", path);

        Assert.Equal(2, exit);
        Assert.Equal($"irqlab: error: cannot read '{path}': '{path}' is a directory{Environment.NewLine}", stderr);
    }

    [Fact]
    public void Loader_names_a_missing_directory_and_an_empty_path_in_plain_words()
    {
        var missing = Path.Combine(_dir, "nope", "x.yaml");

        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(missing));
        Assert.Equal(ErrorCodes.Io, ex.Code);
        Assert.Equal($"{missing}: error: directory '{Path.Combine(_dir, "nope")}' does not exist", ex.Message);

        ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(string.Empty));
        Assert.Equal(": error: no file given", ex.Message);
    }
}
