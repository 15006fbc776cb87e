using System.Text;
using IrqLab.Cli;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// docs/cli.md exit codes: 70 is a bug in IrqLab; a stdout that cannot be written (a full disk, <c>&gt; /dev/full</c>) is
/// not one. Such a run exits 2 with <c>irqlab: error: I/O error: REASON</c> on stderr (SCENARIOS.md §10: a bad file or
/// argument exits 2; the I/O-error class is <c>io</c>), never 70 with "internal error ... please report it".
/// </summary>
public sealed class CliStdoutFailureTests
{
    private static readonly string s_tpr = RepoPaths.Scenario("tpr-masking.yaml");

    public static TheoryData<string[]> Commands() => new()
    {
        new[] { "run", s_tpr, "--json" },
        new[] { "run", s_tpr },
        new[] { "check", s_tpr },
        new[] { "check", s_tpr, "--json" },
        new[] { "vectors" },
        new[] { "vectors", "--json" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_full_stdout_exits_2_with_an_io_error_not_70(string[] args)
    {
        var stderr = new StringWriter();

        var exit = CliApp.Run(args, new FullDeviceWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.Equal("irqlab: error: I/O error: No space left on device", stderr.ToString().TrimEnd());
    }

    /// <summary>
    /// Usage errors with <c>--json</c>: the line on stderr, then the error object on stdout (docs/cli.md), which a full
    /// stdout refuses. Both the parser's errors and those found after parsing (<c>CliUsageException</c>) ended in an
    /// unhandled IOException, a stack trace and exit 134 (SIGABRT) instead of exit 2.
    /// </summary>
    public static TheoryData<string[], string> UsageErrors() => new()
    {
        { new[] { "run", s_tpr, "--json", "--seed", "x" }, "irqlab: error: --seed 'x': expected an unsigned integer from 0 to 18446744073709551615" },
        { new[] { "run", s_tpr, "--json", "--bogus" }, "irqlab: error: unrecognized option '--bogus'" },
        { new[] { "run", s_tpr, "b.yaml", "--json" }, "irqlab: error: unexpected argument 'b.yaml' (usage: irqlab run [<FILE>] [options])" },
        { new[] { "replay", "--json" }, "irqlab: error: Required argument 'FILE' missing for command: 'replay'." },
        { new[] { "vectors", "--json", "--config", "SMP=true", "--config", "SMP=false" }, "irqlab: error: --config SMP=false: SMP is already set by --config SMP=true" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public void A_usage_error_with_json_on_a_full_stdout_exits_2_with_an_io_error(string[] args, string usageLine)
    {
        var stderr = new StringWriter();

        var exit = CliApp.Run(args, new FullDeviceWriter(), stderr);

        Assert.Equal(2, exit);
        var lines = stderr.ToString().TrimEnd().Split('\n');
        Assert.Equal(usageLine, lines[0]);
        Assert.Equal("irqlab: error: I/O error: No space left on device", lines[^1]);
    }

    /// <summary>
    /// A closed descriptor (<c>irqlab run s.yaml --json &gt;&amp;-</c>): .NET reports EBADF as an
    /// UnauthorizedAccessException around the IOException "Bad file descriptor". It was taken for a bug (exit 70, "internal
    /// error"), and the error object that path writes to the same stdout then escaped: a stack trace and SIGABRT (134).
    /// </summary>
    [Theory]
    [MemberData(nameof(Commands))]
    public void A_closed_stdout_exits_2_with_an_io_error(string[] args)
    {
        var stderr = new StringWriter();

        var exit = CliApp.Run(args, new ClosedWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.Equal("irqlab: error: I/O error: Bad file descriptor", stderr.ToString().TrimEnd());
    }

    /// <summary>
    /// A closed or full stderr (<c>2&gt;&amp;-</c>) while an error is reported: nothing can be said, but the exit code
    /// stays 2 (a bad file here) instead of an unhandled exception; the JSON of a good run still reaches stdout.
    /// </summary>
    [Fact]
    public void A_closed_stderr_exits_2_on_bad_input_and_0_on_a_good_run()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"irqlab-closed-stderr-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(bad, "irqlab: 1\nname: t\nmachine: {cpuz: 2}\n");
        try
        {
            Assert.Equal(2, CliApp.Run(["run", bad, "--json"], new StringWriter(), new ClosedWriter()));
            Assert.Equal(2, CliApp.Run(["run", bad], new ClosedWriter(), new FullDeviceWriter()));
            Assert.Equal(2, CliApp.Run(["run", "--seed", "x", "--json"], new ClosedWriter(), new ClosedWriter()));
        }
        finally
        {
            File.Delete(bad);
        }

        var stdout = new StringWriter();
        Assert.Equal(0, CliApp.Run(["run", s_tpr, "--json"], stdout, new ClosedWriter()));
        Assert.StartsWith("{", stdout.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A closed descriptor: every write fails with EBADF, as .NET's console stream reports it.</summary>
    private sealed class ClosedWriter : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => throw Closed();

        public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

        public override void Write(ReadOnlySpan<char> buffer)
        {
            if (!buffer.IsEmpty)
            {
                throw Closed();
            }
        }

        public override void Write(string? value) => Write(value.AsSpan());

        private static UnauthorizedAccessException Closed() => new("Access to the path is denied.", new IOException("Bad file descriptor"));
    }

    /// <summary>A stdout on a full disk: every write of text fails as the OS reports ENOSPC.</summary>
    private sealed class FullDeviceWriter : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => throw new IOException("No space left on device");

        public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

        public override void Write(ReadOnlySpan<char> buffer)
        {
            if (!buffer.IsEmpty)
            {
                throw new IOException("No space left on device");
            }
        }

        public override void Write(string? value) => Write(value.AsSpan());
    }
}
