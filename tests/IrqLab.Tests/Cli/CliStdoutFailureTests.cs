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
