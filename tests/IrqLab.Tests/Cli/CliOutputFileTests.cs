using System.Text.Json;
using IrqLab.Cli;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// SCENARIOS.md §10 "a bad file or argument exits 2" and docs/cli.md: a file the CLI writes (trace -o, replay --trace,
/// bench --plot) that fails while being written (a full disk) is the error <c>cannot write 'PATH': reason</c> with exit 2
/// and, with --json, the §10 error object with code io, not an internal error (exit 70); an aborted write leaves no
/// partial file, and the scenario is never overwritten by its own trace.
/// </summary>
public sealed class CliOutputFileTests : IDisposable
{
    private const string DevFull = "/dev/full";

    private static readonly string s_scenario = RepoPaths.Scenario("nested-self-ipi.yaml");

    private readonly string _dir = Directory.CreateTempSubdirectory("irqlab-out-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("chrome")]
    [InlineData("ftrace")]
    public void Trace_to_a_full_disk_exits_2_with_cannot_write_SCENARIOS_md_10(string format)
    {
        Assert.SkipUnless(File.Exists(DevFull), "needs /dev/full");

        var (exit, _, stderr) = CliRunner.Run("trace", s_scenario, "-o", DevFull, "--format", format);

        Assert.Equal(2, exit);
        Assert.Equal($"irqlab: error: cannot write '{DevFull}': No space left on device{Environment.NewLine}", stderr);
    }

    [Fact]
    public void Replay_trace_to_a_full_disk_with_json_prints_the_io_error_object_SCENARIOS_md_10()
    {
        Assert.SkipUnless(File.Exists(DevFull), "needs /dev/full");
        var capture = Path.Combine(AppContext.BaseDirectory, "Data", "Tracing", "ftrace-irq-6x.txt");

        var (exit, stdout, stderr) = CliRunner.Run("replay", capture, "--trace", DevFull, "--json");

        Assert.Equal(2, exit);
        var line = $"irqlab: error: cannot write '{DevFull}': No space left on device";
        Assert.Equal(line + Environment.NewLine, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("io", error.GetProperty("code").GetString());
        Assert.Equal(line, error.GetProperty("message").GetString());
        Assert.Equal(DevFull, error.GetProperty("file").GetString());
    }

    /// <summary>
    /// docs/cli.md replay: <c>--trace</c> writes the rebuilt run as a Chrome trace. A capture with no handler event
    /// rebuilds an empty run, and its trace is a valid Chrome trace with no slice; no file was written (exit 0).
    /// </summary>
    [Fact]
    public void Replay_trace_of_a_capture_without_events_writes_an_empty_trace()
    {
        var capture = Path.Combine(_dir, "capture.txt");
        File.WriteAllText(capture, "# tracer: nop\n#\n# entries-in-buffer/entries-written: 0/0   #P:2\n");
        var output = Path.Combine(_dir, "t.json");

        var (exit, _, stderr) = CliRunner.Run("replay", capture, "--trace", output);

        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        Assert.DoesNotContain(
            doc.RootElement.GetProperty("traceEvents").EnumerateArray(),
            e => e.GetProperty("ph").GetString() is "B" or "E" or "X");
    }

    [Fact]
    public void Bench_plot_to_a_full_disk_with_json_prints_the_io_error_object_SCENARIOS_md_10()
    {
        Assert.SkipUnless(File.Exists(DevFull), "needs /dev/full");

        var (exit, stdout, _) = CliRunner.Run("bench", "--scaling", "--quick", "--plot", DevFull, "--json");

        Assert.Equal(2, exit);
        using var doc = JsonDocument.Parse(stdout);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("io", error.GetProperty("code").GetString());
        Assert.Equal($"irqlab: error: cannot write '{DevFull}': No space left on device", error.GetProperty("message").GetString());
    }

    [Fact]
    public void Trace_refuses_to_overwrite_its_scenario_SCENARIOS_md_10()
    {
        var path = Path.Combine(_dir, "s.yaml");
        File.Copy(s_scenario, path);

        var (exit, _, stderr) = CliRunner.Run("trace", path, "-o", Path.Combine(_dir, ".", "s.yaml"));

        Assert.Equal(2, exit);
        Assert.StartsWith("irqlab: error: -o ", stderr, StringComparison.Ordinal);
        Assert.Contains("refusing to overwrite it", stderr, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(s_scenario), File.ReadAllText(path));
    }

    [Fact]
    public void Trace_writes_the_file_and_leaves_no_temporary_file()
    {
        var path = Path.Combine(_dir, "t.json");
        File.WriteAllText(path, "old");

        var (exit, _, _) = CliRunner.Run("trace", s_scenario, "-o", path);

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [Fact]
    public void Output_file_not_committed_leaves_no_file_and_keeps_an_existing_one()
    {
        var fresh = Path.Combine(_dir, "new.json");
        using (var output = OutputFile.Create(fresh))
        {
            output.Stream.Write("partial"u8);
            output.Stream.Flush();
        }

        Assert.Empty(Directory.GetFiles(_dir));

        var existing = Path.Combine(_dir, "old.json");
        File.WriteAllText(existing, "old trace");
        using (var output = OutputFile.Create(existing))
        {
            output.Stream.Write("partial"u8);
        }

        Assert.Equal([existing], Directory.GetFiles(_dir));
        Assert.Equal("old trace", File.ReadAllText(existing));
    }
}
