using System.Text.Json;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// SCENARIOS.md §10: "a bad file or argument exits 2 ... With --json stdout also holds {"irqlab": 1, "error": {...}}", for
/// bad command-line arguments of every command that takes --json (run, vectors, replay, bench), with messages in plain
/// words rather than .NET type names.
/// </summary>
public sealed class CliArgumentErrorTests
{
    private static readonly string s_default = RepoPaths.Scenario("default.yaml");

    /// <summary>Arguments → the message's text after "irqlab: error: " (null: System.CommandLine's own wording, checked loosely).</summary>
    public static TheoryData<string[], string?> BadArguments() => new()
    {
        { ["run", s_default, "--json", "--seed", "abc"], "--seed 'abc': expected an unsigned integer from 0 to 18446744073709551615" },
        { ["run", s_default, "--json", "--seed", "-1"], "--seed '-1': expected an unsigned integer from 0 to 18446744073709551615" },
        { ["run", s_default, "--json", "--log-limit", "abc"], "--log-limit 'abc': expected an integer from 0 to 2147483647" },
        { ["run", s_default, "--json", "--log-limit", "-1"], "--log-limit '-1': expected an integer from 0 to 2147483647" },
        { ["run", s_default, "--json", "--log-limit", "99999999999"], "--log-limit '99999999999': expected an integer from 0 to 2147483647" },
        { ["run", s_default, "--json", "--max-events", "0"], "--max-events '0': expected an integer from 1 to 9223372036854775807" },
        { ["run", s_default, "--json", "--seed", "0xZZ"], "--seed '0xZZ': expected an unsigned integer from 0 to 18446744073709551615" },
        { ["run", s_default, "--json", "--log-limit", "0xFFFFFFFF"], "--log-limit '0xFFFFFFFF': expected an integer from 0 to 2147483647" },
        { ["check", s_default, "--json", "--max-events", "1e6"], "--max-events '1e6': expected an integer from 1 to 9223372036854775807" },
        { ["run", s_default, "--json", "--seed"], null },
        { ["vectors", "--json", "--kernel", "5.4"], "--kernel '5.4': expected one of 6.1, 6.6, 6.9, 6.10, latest" },
        { ["vectors", "--json", "--delivery", "apic"], "--delivery 'apic': expected one of idt, fred" },
        { ["vectors", "--json", "--config", "SMP=maybe"], "--config SMP=maybe: expected NAME=true or NAME=false" },

        // A near-miss value names the value meant, as the scenario loader does for kernel.variant / kernel.delivery
        // (ScenarioReader.Word) and kernel.version (KernelVersions.DidYouMean: v-prefix, case, stable release); "6.11"
        // gets no hint, as in the loader, since an edit-distance guess would offer 6.1. These printed no hint.
        { ["vectors", "--json", "--variant", "rfc2022"], "--variant 'rfc2022': expected one of mainline, rfc-2022; did you mean 'rfc-2022'?" },
        { ["vectors", "--json", "--delivery", "FRED"], "--delivery 'FRED': expected one of idt, fred; did you mean 'fred'?" },
        { ["vectors", "--json", "--kernel", "v6.9"], "--kernel 'v6.9': expected one of 6.1, 6.6, 6.9, 6.10, latest; did you mean '6.9'?" },
        { ["vectors", "--json", "--kernel", "6.10.3"], "--kernel '6.10.3': expected one of 6.1, 6.6, 6.9, 6.10, latest; did you mean '6.10'?" },
        { ["vectors", "--json", "--kernel", "6.11"], "--kernel '6.11': expected one of 6.1, 6.6, 6.9, 6.10, latest" },

        // docs/cli.md vectors: an option given twice is an error, as a duplicate key in kernel.config is; the last one won
        // silently (exit 0, a table with SMP off).
        { ["vectors", "--json", "--config", "SMP=true", "--config", "SMP=false"], "--config SMP=false: SMP is already set by --config SMP=true" },
        { ["vectors", "--json", "--config", "HAVE_KVM=false", "--config", "SMP=false", "--config", "HAVE_KVM=false"], "--config HAVE_KVM=false: HAVE_KVM is already set by --config HAVE_KVM=false" },
        { ["replay", "--json"], null },
        { ["replay", "before.txt", "after.txt", "--json"], "two snapshots need --interval (the time between them, e.g. 10s)" },
        { ["bench", "--json", "--plot", "x.svg"], "--plot draws the scaling sweep: use it with --scaling" },
        { ["bench", "--json", "--scaling", "--randomize-layout"], "--randomize-layout applies to the processes the suite starts: use it without --scaling" },
        // The message names the option given with it (it named --scaling whatever the option was).
        { ["bench", "--json", "--kernel", "lapic.accept_eoi", "--randomize-layout"], "--randomize-layout applies to the processes the suite starts: use it without --kernel" },
        { ["bench", "--json", "--randomize-layout", "--simulation", "scenarios/default.yaml"], "--randomize-layout applies to the processes the suite starts: use it without --simulation" },

        // docs/cli.md: an unknown option is a usage error; it reads the same on a command with a FILE argument (run,
        // where the word reaches FILE's check) and on one without (vectors, bench, where System.CommandLine's
        // "Unrecognized command or argument '--bogus'." was printed); a surplus argument names the command's usage.
        { ["vectors", "--json", "--bogus"], "unrecognized option '--bogus'" },
        { ["bench", "--json", "--bogus"], "unrecognized option '--bogus'" },
        { ["run", s_default, "--json", "--bogus"], "unrecognized option '--bogus'" },
        { ["run", s_default, "extra.yaml", "--json"], "unexpected argument 'extra.yaml' (usage: irqlab run [<FILE>] [options])" },
        { ["vectors", "6.1", "--json"], "unexpected argument '6.1' (usage: irqlab vectors [options])" },

        // An unknown option comes first, with a "did you mean" among the command's visible options (as an unknown key in
        // a scenario has one, SCENARIOS.md §1), and the words after it are not called surplus arguments: 'run --sed 3
        // s.yaml' printed "unexpected argument '3'" and "unexpected argument 's.yaml'" before the option, and the JSON
        // error object named '3'.
        { ["run", "--json", "--sed", "3", s_default], "unrecognized option '--sed'; did you mean '--seed'?" },
        { ["run", "--json", "--log-limt=5", s_default], "unrecognized option '--log-limt=5'; did you mean '--log-limit'?" },
        { ["check", "--json", "--max-event", "9", s_default], "unrecognized option '--max-event'; did you mean '--max-events'?" },
        { ["vectors", "--json", "--KERNEL", "6.1"], "unrecognized option '--KERNEL'; did you mean '--kernel'?" },
        { ["vectors", "--json", "-delivery", "fred"], "unrecognized option '-delivery'; did you mean '--delivery'?" },
        { ["replay", "--json", "--itnerval", "1s", "a.txt", "b.txt"], "unrecognized option '--itnerval'; did you mean '--interval'?" },
        { ["bench", "--json", "--qick"], "unrecognized option '--qick'; did you mean '--quick'?" },

        // A command's option given before the command is the root's unknown option; it said so without a hint, and a
        // '--json' there left stdout empty.
        { ["--json", "run", s_default], "unrecognized option '--json'; options go after the command: irqlab run --json" },
        { ["--kernel", "6.1", "vectors", "--json"], "unrecognized option '--kernel'; options go after the command: irqlab vectors --kernel" },
        { ["replay", "a.txt", "b.txt", "c.txt", "--json"], "unexpected argument 'c.txt' (usage: irqlab replay <FILE> [<AFTER>] [options])" },

        // POSIX.1-2017 XBD 12.2, Utility Syntax Guideline 13: '-' names standard input (or output); irqlab reads and writes
        // files, so it is refused in words, not read as "file not found" nor written as a file named '-'.
        { ["run", "-", "--json"], "FILE '-': reading standard input is not supported; name a file, or /dev/stdin" },
        { ["check", "--json", "-"], "FILE '-': reading standard input is not supported; name a file, or /dev/stdin" },
        { ["replay", "-", "--json"], "FILE '-': reading standard input is not supported; name a file, or /dev/stdin" },
        { ["replay", "capture.txt", "--trace", "-", "--json"], "--trace '-': writing standard output is not supported; name a file, or /dev/stdout" },
        { ["bench", "--json", "--scaling", "--plot", "-"], "--plot '-': writing standard output is not supported; name a file, or /dev/stdout" },

        // POSIX.1-2017 XBD 12.2, Utility Syntax Guideline 10: the words after '--' are operands, not options.
        { ["run", s_default, "--json", "--", "--json"], "unexpected argument '--json' (usage: irqlab run [<FILE>] [options])" },

        // docs/cli.md replay: --interval dates two snapshots and --trace draws a capture's events; the other form
        // ignored them (exit 0, no trace file written).
        { ["replay", "capture.txt", "--interval", "1s", "--json"], "--interval is for two /proc/interrupts snapshots (FILE AFTER --interval D); an ftrace capture carries its own timestamps" },
        { ["replay", "before.txt", "after.txt", "--interval", "1s", "--trace", "t.json", "--json"], "--trace draws the events of an ftrace capture; /proc/interrupts snapshots hold counts, not events" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_argument_with_json_exits_2_with_the_usage_error_object_SCENARIOS_md_10(string[] args, string? expected)
    {
        var (exit, stdout, stderr) = CliRunner.Run(args);

        Assert.Equal(2, exit);
        var line = stderr.Split(Environment.NewLine)[0];
        Assert.StartsWith("irqlab: error: ", line, StringComparison.Ordinal);
        if (expected is not null)
        {
            Assert.Equal("irqlab: error: " + expected, line);
        }

        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(1, doc.RootElement.GetProperty("irqlab").GetInt32());
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("usage", error.GetProperty("code").GetString());
        Assert.Equal(line, error.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("file").ValueKind);
        Assert.Equal(JsonValueKind.Null, error.GetProperty("line").ValueKind);
        Assert.Equal(JsonValueKind.Null, error.GetProperty("column").ValueKind);
    }

    [Theory]
    [InlineData("run", "--seed", "abc")]
    [InlineData("run", "--log-limit", "abc")]
    [InlineData("check", "x.yaml", "--seed", "1.5")]
    [InlineData("trace", "x.yaml", "-o", "t.json", "--seed", "x")]
    [InlineData("replay", "a.txt", "b.txt", "--interval", "10")]
    [InlineData("replay", "a.txt", "b.txt", "--interval", "-1s")]
    public void Bad_option_value_is_described_in_plain_words_not_dotnet_type_names_SCENARIOS_md_10(params string[] args)
    {
        var (exit, stdout, stderr) = CliRunner.Run(args);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains(": expected ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("expected type", stderr, StringComparison.Ordinal);
        Assert.EndsWith("Run 'irqlab --help' for usage." + Environment.NewLine, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frob")]
    [InlineData("frob", "x.yaml", "--json")]
    public void An_unknown_command_is_one_error_naming_the_commands(params string[] args)
    {
        // System.CommandLine reported "Required command was not provided." for a command that was given, then one
        // "Unrecognized command or argument" line per word.
        var (exit, _, stderr) = CliRunner.Run(args);

        Assert.Equal(2, exit);
        Assert.Equal(
            "irqlab: error: unknown command 'frob' (commands: run, check, vectors, trace, replay, bench)" + Environment.NewLine +
            "Run 'irqlab --help' for usage." + Environment.NewLine, stderr);
    }

    /// <summary>Arguments → the hint after "unknown command 'WORD'" (before the list of commands).</summary>
    public static TheoryData<string[], string> UnknownCommands() => new()
    {
        { ["rn", "s.yaml"], "unknown command 'rn'; did you mean 'run'?" },
        { ["vector", "--json"], "unknown command 'vector'; did you mean 'vectors'?" },
        { ["Check", "s.yaml"], "unknown command 'Check'; did you mean 'check'?" },

        // 'help run' was read as the command run with a surplus argument: "unexpected argument 'help' (usage: irqlab run ...)".
        { ["help", "run"], "unknown command 'help'; for help: irqlab --help, or irqlab COMMAND --help" },
        { ["scenarios/default.yaml", "--json"], "unknown command 'scenarios/default.yaml'; to run a scenario: irqlab run scenarios/default.yaml" },
    };

    [Theory]
    [MemberData(nameof(UnknownCommands))]
    public void An_unknown_command_gets_a_hint_for_a_misspelling_help_or_a_scenario_file(string[] args, string expected)
    {
        var (exit, stdout, stderr) = CliRunner.Run(args);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal(
            $"irqlab: error: {expected} (commands: run, check, vectors, trace, replay, bench)" + Environment.NewLine +
            "Run 'irqlab --help' for usage." + Environment.NewLine, stderr);
    }

    [Fact]
    public void Words_after_an_unknown_option_are_not_reported_as_surplus_arguments()
    {
        // The FILE argument took '--sed', so '3' and the scenario were left over; they were reported first, and twice.
        var (exit, _, stderr) = CliRunner.Run("run", "--sed", "3", s_default, "--bogus", "--bogus");

        Assert.Equal(2, exit);
        Assert.Equal(
            "irqlab: error: unrecognized option '--sed'; did you mean '--seed'?" + Environment.NewLine +
            "irqlab: error: unrecognized option '--bogus'" + Environment.NewLine +
            "Run 'irqlab --help' for usage." + Environment.NewLine, stderr);
    }

    [Fact]
    public void Trace_to_dash_is_refused_not_written_as_a_file_named_dash_POSIX_guideline_13()
    {
        var (exit, _, stderr) = CliRunner.Run("trace", s_default, "-o", "-");

        Assert.Equal(2, exit);
        Assert.Equal(
            "irqlab: error: --output '-': writing standard output is not supported; name a file, or /dev/stdout" + Environment.NewLine +
            "Run 'irqlab --help' for usage." + Environment.NewLine, stderr);
    }

    [Theory]
    [InlineData("run", "--json", "--", "-missing.yaml")]
    [InlineData("run", "--json", "--", "--json")]
    [InlineData("check", "--json", "--", "-missing.yaml")]
    [InlineData("replay", "--json", "--", "-missing.txt")]
    public void A_word_after_double_dash_is_a_file_name_even_with_a_leading_dash_POSIX_guideline_10(params string[] args)
    {
        // It was refused as "unrecognized option '-missing.yaml'", so a file whose name starts with '-' could be named
        // only as ./-name.
        var (exit, stdout, _) = CliRunner.Run(args);

        Assert.Equal(2, exit);
        using var doc = JsonDocument.Parse(stdout);
        var error = args[0] == "check"
            ? doc.RootElement.GetProperty("files")[0].GetProperty("error") // check --json puts a load error in its file's entry
            : doc.RootElement.GetProperty("error");

        Assert.Equal("io", error.GetProperty("code").GetString());
        Assert.Equal(args[^1], error.GetProperty("file").GetString());
    }

    [Fact]
    public void Unreadable_replay_file_with_json_is_an_io_error_naming_the_file_SCENARIOS_md_10()
    {
        var path = Path.Combine(Path.GetTempPath(), "irqlab-tests", Guid.NewGuid().ToString("N"), "missing.txt");

        var (exit, stdout, stderr) = CliRunner.Run("replay", path, "--json");

        Assert.Equal(2, exit);
        using var doc = JsonDocument.Parse(stdout);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("io", error.GetProperty("code").GetString());
        Assert.Equal(path, error.GetProperty("file").GetString());
        Assert.Equal(stderr.TrimEnd(), error.GetProperty("message").GetString());
    }
}
