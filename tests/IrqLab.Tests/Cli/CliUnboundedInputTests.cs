using System.Text;
using System.Text.Json;
using IrqLab.Cli;
using IrqLab.Scenarios;
using IrqLab.Tracing.Replay;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// SCENARIOS.md §10: a bad file exits 2, never 70. An input that does not end (<c>/dev/zero</c>, a FIFO that keeps
/// writing) or is far larger than any scenario or line of a capture was read into memory whole until the process ran
/// out of it: <c>irqlab run /dev/zero</c> and <c>irqlab replay /dev/zero</c> ended in an internal error
/// (OutOfMemoryException, exit 70). The files here are sparse, so the tests write no data.
/// </summary>
public sealed class CliUnboundedInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("irqlab-big-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string SparseFile(string name, long length)
    {
        var path = Path.Combine(_dir, name);
        using var file = File.Create(path);
        file.SetLength(length);
        return path;
    }

    [Fact]
    public void A_scenario_file_above_the_bound_is_an_io_error_read_no_further()
    {
        var path = SparseFile("huge.yaml", ScenarioLoader.MaxFileBytes + 1L);

        var (exit, stdout, stderr) = CliRunner.Run("run", path, "--json");

        Assert.Equal(2, exit);
        using var doc = JsonDocument.Parse(stdout);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("io", error.GetProperty("code").GetString());
        Assert.Equal(path, error.GetProperty("file").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("line").ValueKind);
        Assert.Equal($"{path}: error: the file is larger than 64 MiB; a scenario is a few KiB (is it a device or a pipe that does not end?)", stderr.TrimEnd());
    }

    [Fact]
    public void A_scenario_file_at_the_bound_is_read()
    {
        // Read whole and parsed: the NUL bytes are a YAML syntax error, not the size error.
        var path = SparseFile("big.yaml", ScenarioLoader.MaxFileBytes);

        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(path));

        Assert.Equal(ErrorCodes.Syntax, e.Code);
    }

    /// <summary>With and without <c>--trace</c>, whose capture is read through <c>Replay.FromFtrace(Stream, ...)</c>.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_replay_line_above_the_bound_is_a_format_error_at_its_line(bool trace)
    {
        var path = SparseFile("zeros.txt", BoundedLineReader.MaxLineChars + 1L);
        var tracePath = Path.Combine(Path.GetDirectoryName(path)!, "out.json");

        var (exit, stdout, stderr) = trace ? CliRunner.Run("replay", path, "--json", "--trace", tracePath) : CliRunner.Run("replay", path, "--json");

        Assert.Equal(2, exit);
        using var doc = JsonDocument.Parse(stdout);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("replay_format", error.GetProperty("code").GetString());
        Assert.Equal(1, error.GetProperty("line").GetInt32());
        Assert.StartsWith($"{path}:1: error: the line is longer than {BoundedLineReader.MaxLineChars} characters", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(tracePath));
    }

    public static TheoryData<string> Texts()
    {
        var cr = new string('a', 64 * 1024 - 1) + "\r\nb"; // CR the last character of the first read, LF the first of the next
        return new()
        {
            string.Empty, "a", "a\n", "a\nb", "a\r\nb\r\n", "a\rb\r", "\n\n", "\r\r\n\n", "a\n\nb\n\n", cr, cr + "\r", cr + "\n\r\n",
            new string('x', 200_000) + "\n" + new string('y', 70_000),
        };
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Lines_end_as_TextReader_ReadLine_ends_them(string text)
    {
        using var bounded = new BoundedLineReader(new StringReader(text));
        using var plain = new StringReader(text);

        while (plain.ReadLine() is { } expected)
        {
            Assert.Equal(expected, bounded.ReadLine());
        }

        Assert.Null(bounded.ReadLine());
    }

    [Fact]
    public void A_line_at_the_bound_is_read_and_the_next_longer_one_named_by_its_line()
    {
        var text = new StringBuilder()
            .Append('a', BoundedLineReader.MaxLineChars).Append('\n')
            .Append("b\r\n")
            .Append('c', BoundedLineReader.MaxLineChars + 1).ToString();
        using var reader = new BoundedLineReader(new StringReader(text));

        Assert.Equal(BoundedLineReader.MaxLineChars, reader.ReadLine()!.Length);
        Assert.Equal("b", reader.ReadLine());
        var e = Assert.Throws<ReplayFormatException>(() => reader.ReadLine());
        Assert.Equal(3, e.Line);
    }
}
