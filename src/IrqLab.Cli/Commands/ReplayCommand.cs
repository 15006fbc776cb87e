using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IrqLab.Scenarios;
using IrqLab.Simulation.Output;
using IrqLab.Tracing;
using IrqLab.Tracing.Replay;

namespace IrqLab.Cli.Commands;

/// <summary>
/// <c>irqlab replay FILE [AFTER] [--interval D] [--json] [--trace out.json]</c>: rebuilds a run from an ftrace text
/// capture (irq:irq_handler_entry/exit, irq_vectors:*_entry/exit) or from two /proc/interrupts snapshots.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(CliContext cli)
    {
        var file = new Argument<string>("FILE") { Description = "An ftrace text capture, or the first /proc/interrupts snapshot." }.RejectOptionLikeTokens(cli);
        var after = new Argument<string?>("AFTER")
        {
            Description = "The second /proc/interrupts snapshot; needs --interval.",
            Arity = ArgumentArity.ZeroOrOne,
        }.RejectOptionLikeTokens(cli);
        var interval = new Option<string?>("--interval") { Description = "Time between the two snapshots, with a unit: 10s, 500ms. Required with AFTER.", HelpName = "DURATION" };

        // A value of the wrong form is a parse error, as --seed abc is (docs/cli.md: it ends with the usage hint).
        interval.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (!TryParseInterval(token.Value, out _))
                {
                    result.AddError(BadInterval(token.Value));
                }
            }
        });
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var trace = new Option<string?>("--trace") { Description = "Also write the rebuilt ftrace run as a Chrome trace (Perfetto).", HelpName = "FILE" }.RejectEmptyPath();
        var command = new Command("replay", "Report per-CPU rates, handler latency histograms and a trace from an ftrace capture or two /proc/interrupts snapshots.")
        {
            file, after, interval, json, trace,
        };
        command.SetAction(parse =>
        {
            var first = parse.GetValue(file)!;
            var second = parse.GetValue(after);
            var asJson = parse.GetValue(json);

            // An option that does not apply to the form given is refused, not ignored: --interval only dates two
            // snapshots (a capture has timestamps), and --trace only draws a capture's events (snapshots hold counts).
            if (second is null && parse.GetValue(interval) is not null)
            {
                throw new CliUsageException("--interval is for two /proc/interrupts snapshots (FILE AFTER --interval D); an ftrace capture carries its own timestamps");
            }

            if (second is not null && parse.GetValue(trace) is not null)
            {
                throw new CliUsageException("--trace draws the events of an ftrace capture; /proc/interrupts snapshots hold counts, not events");
            }

            var current = first;
            ReplayReport report;
            try
            {
                if (second is null && parse.GetValue(trace) is { } tracePath)
                {
                    // Read twice where the file can be (the events are drawn as the second read rebuilds them), else
                    // once with the events kept: see Replay.FromFtrace(Stream, ...).
                    using var input = OpenStream(first);
                    report = Replay.FromFtrace(input, (r, events) => WriteTrace(tracePath, first, r, events));
                }
                else if (second is null)
                {
                    using var reader = Open(first);
                    report = Replay.FromFtrace(reader, keepEvents: false);
                }
                else
                {
                    var seconds = ParseInterval(parse.GetValue(interval));
                    ProcInterruptsSnapshot before;
                    ProcInterruptsSnapshot later;
                    using (var r1 = Open(first))
                    {
                        before = ProcInterruptsParser.Parse(r1);
                    }

                    current = second;
                    using (var r2 = Open(second))
                    {
                        later = ProcInterruptsParser.Parse(r2);
                    }

                    report = Replay.FromSnapshots(before, later, seconds);
                }
            }
            catch (ReplayFormatException e)
            {
                // FILE:LINE: error: what was expected (no line when the fault is not on one line of the input).
                // With --json the error object's message is that stderr line, as for every other error (docs/cli.md).
                var where = e.Line > 0 ? $"{current}:{e.Line}" : current;
                var message = $"{where}: error: {e.Detail}";
                cli.Error.WriteLine(message);
                if (asJson)
                {
                    ScenarioFiles.WriteJsonError(cli, "replay_format", message, current, e.Line > 0 ? e.Line : null, null);
                }

                return CliApp.ExitBadInput;
            }

            if (asJson)
            {
                CliJson.Write(cli, w => Replay.WriteJson(report, w));
            }
            else
            {
                Replay.WriteText(report, cli.Out);
            }

            return CliApp.ExitOk;
        });
        return command;
    }

    /// <summary>
    /// Writes the Chrome trace of a capture's rebuilt events, also when it rebuilt none (the file asked for exists, an
    /// empty trace). Committed only once every event is written: a capture found changed on its second read
    /// (<see cref="ReplayFormatException"/>) leaves no file.
    /// </summary>
    private static void WriteTrace(string tracePath, string capture, ReplayReport report, IEnumerable<TraceEvent> events)
    {
        OutputFile.RejectInput(tracePath, "--trace", capture, null);
        using var output = OutputFile.Create(tracePath);

        // Not disposed when a write fails: Dispose would complete the document again over the failed one.
        var writer = new ChromeTraceWriter(output.Stream, Math.Max(1, report.CpuCount), Path.GetFileName(capture));
        long end = 0;
        foreach (var e in events)
        {
            writer.Write(e);
            end = Math.Max(end, e.TimeNs);
        }

        writer.Complete(end);
        writer.Dispose();
        output.Commit();
    }

    private static BoundedLineReader Open(string path) => new(new StreamReader(OpenStream(path)));

    private static FileStream OpenStream(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliUsageException($"cannot read '{path}': {FileErrors.Reason(path, e)}", ErrorCodes.Io, path);
        }
    }

    /// <summary>"10s", "250ms", "1.5s" → seconds.</summary>
    internal static double ParseInterval(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CliUsageException("two snapshots need --interval (the time between them, e.g. 10s)");
        }

        return TryParseInterval(text, out var seconds) ? seconds : throw new CliUsageException(BadInterval(text));
    }

    /// <summary>"10s", "250ms", "1.5s" → seconds; false for anything else (no unit, not positive, not finite).</summary>
    private static bool TryParseInterval(string text, out double seconds)
    {
        (string Suffix, double Scale)[] units = [("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3), ("s", 1)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                && v > 0 && double.IsFinite(v))
            {
                seconds = v * scale;
                return true;
            }
        }

        seconds = 0;
        return false;
    }

    private static string BadInterval(string text) =>
        $"--interval '{text}': expected a positive duration with a unit (ns, us, ms, s), e.g. 10s";
}
