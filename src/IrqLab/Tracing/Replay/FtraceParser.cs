using System.Globalization;
using System.Text.RegularExpressions;

namespace IrqLab.Tracing.Replay;

/// <summary>
/// Parses ftrace text captures (shared/reference/trace-formats.md §3): lines of <c>/sys/kernel/tracing/trace</c> and
/// <c>trace_pipe</c> (with or without the 4-6 character flag column, with or without the <c>(tgid)</c> column),
/// <c>trace-cmd report</c> (padded event names, <c>--ts-diff</c> deltas after the timestamp's colon, preamble lines,
/// <c>-l</c>'s <c>comm-pid CPUflags secs.usecs: event</c>), <c>perf script</c>
/// (<c>comm pid</c>, <c>system:event</c>) and the latency format (<c>comm-pid CPUflags NNNus : event</c>, time
/// since trace start). Lines starting with <c>#</c>, blank lines and trace-cmd preamble lines are skipped; the ring
/// buffer's <c>CPU:n [LOST m EVENTS]</c> and <c>CPU:n [LOST EVENTS]</c>, and trace-cmd report's
/// <c>CPU:n [m EVENTS DROPPED]</c> and <c>CPU:n [EVENTS DROPPED]</c>, are <see cref="LostEvent"/> records; function tracer lines (<c>func &lt;-parent</c>) are <see cref="FunctionEvent"/> records. An empty input (no line that is not blank), any other line that does not
/// match, a truncated timestamp or malformed fields of an <c>irq:</c> / <c>irq_vectors:</c> event is a
/// <see cref="ReplayFormatException"/>.
/// </summary>
public static partial class FtraceParser
{
    private const string ExpectedLine = "expected '<task>-<pid> [<cpu>] <flags> <seconds>.<micros>: <event>: <fields>'";

    /// <summary>The <see cref="FtraceRecord.Event"/> of a function tracer line (<c>func &lt;-parent</c>).</summary>
    public const string FunctionEvent = "function";

    /// <summary>
    /// The <see cref="FtraceRecord.Event"/> of a lost-events marker: print_trace_line() (kernel/trace/trace.c) prints
    /// <c>CPU:%d [LOST %lu EVENTS]</c>, or <c>CPU:%d [LOST EVENTS]</c> when the count is unknown (the non-consuming
    /// <c>trace</c> file overwritten while read), before the first event of that CPU after the gap; <c>trace-cmd report</c>
    /// prints the same gap as <c>CPU:%d [%lld EVENTS DROPPED]</c> or <c>CPU:%d [EVENTS DROPPED]</c> before that event
    /// (trace_show_data(), tracecmd/trace-read.c). The record has the
    /// CPU, the count in <see cref="FtraceRecord.Lost"/> (0 when unknown) and the timestamp of the record before it
    /// (the marker prints none): <see cref="Replay.FromFtrace(TextReader, bool)"/> takes it where it stands, and sorting
    /// the records by time (<see cref="Replay.FromFtrace(IReadOnlyList{FtraceRecord})"/>) keeps it between the events
    /// around the gap when the record before it is not later than the CPU's next event (a capture in time order).
    /// </summary>
    public const string LostEvent = "lost_events";

    private const string EmptyFile =
        "the file is empty; expected an ftrace capture (irq and irq_vectors event lines) or a /proc/interrupts snapshot";

    private const string SnapshotAlone =
        "this is a /proc/interrupts snapshot, not an ftrace capture: replay compares two snapshots (FILE AFTER --interval 10s)";

    /// <summary>Parses every event line of <paramref name="input"/>.</summary>
    /// <param name="input">The capture text.</param>
    /// <returns>The records in input order.</returns>
    /// <exception cref="ReplayFormatException">A line is garbled or truncated.</exception>
    public static IReadOnlyList<FtraceRecord> Parse(TextReader input) => Read(input).ToList();

    /// <summary>
    /// Reads the event lines of <paramref name="input"/> one at a time, as they are enumerated: a capture of any size is
    /// read in constant memory (the records <see cref="Parse"/> would return, in the same order, none kept).
    /// </summary>
    /// <param name="input">The capture text.</param>
    /// <returns>The records in input order; enumerating throws <see cref="ReplayFormatException"/> at a garbled or truncated line.</returns>
    public static IEnumerable<FtraceRecord> Read(TextReader input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ReadLines(input);
    }

    private static IEnumerable<FtraceRecord> ReadLines(TextReader input)
    {
        var lineNumber = 0;
        var blank = true;
        var any = false;
        var lastNs = 0L;
        while (input.ReadLine() is { } raw)
        {
            lineNumber++;
            var line = raw.TrimEnd();
            blank &= line.Length == 0;
            if (IsSkipped(line))
            {
                continue;
            }

            var lost = LostLine().Match(line);
            if (lost.Success)
            {
                var count = lost.Groups["n"].Success ? ParseLong(lost.Groups["n"].Value, lineNumber, "lost event count") : 0;
                any = true;
                yield return new FtraceRecord(
                    ParseInt(lost.Groups["cpu"].Value, lineNumber, "CPU number"),
                    lastNs,
                    LostEvent,
                    null,
                    null,
                    null,
                    null,
                    lineNumber,
                    count);
                continue;
            }

            if (!any && line.TrimStart().StartsWith("CPU0", StringComparison.Ordinal))
            {
                // The header row of show_interrupts(): the user gave one /proc/interrupts snapshot alone.
                throw new ReplayFormatException(lineNumber, SnapshotAlone);
            }

            var record = ParseLine(line, lineNumber);
            any = true;
            lastNs = record.TimeNs;
            yield return record;
        }

        if (blank)
        {
            // Nothing at all, not even the header of /sys/kernel/tracing/trace: as the snapshot parser and the scenario
            // loader, an empty file is an error rather than a report of nothing.
            throw new ReplayFormatException(1, EmptyFile);
        }
    }

    /// <summary>Parses one event line.</summary>
    /// <param name="line">The text, without newline.</param>
    /// <param name="lineNumber">Its 1-based line number, for the record and errors.</param>
    /// <returns>The record.</returns>
    /// <exception cref="ReplayFormatException">The line is garbled or truncated.</exception>
    public static FtraceRecord ParseLine(string line, int lineNumber)
    {
        ArgumentNullException.ThrowIfNull(line);
        int cpu;
        long timeNs;
        string eventName;
        string fields;
        var m = ContextLine().Match(line);
        if (m.Success)
        {
            cpu = ParseInt(m.Groups["cpu"].Value, lineNumber, "CPU number");
            timeNs = ParseTime(m.Groups["secs"].Value, m.Groups["frac"].Value, lineNumber);
        }
        else
        {
            m = LatencyLine().Match(line);
            if (!m.Success)
            {
                return ParseNonEventLine(line, lineNumber);
            }

            cpu = ParseInt(m.Groups["cpu"].Value, lineNumber, "CPU number");
            timeNs = m.Groups["us"].Success
                ? checked(ParseLong(m.Groups["us"].Value, lineNumber, "microseconds") * 1000)
                : ParseTime(m.Groups["secs"].Value, m.Groups["frac"].Value, lineNumber);
        }

        eventName = m.Groups["event"].Value;
        var colon = eventName.LastIndexOf(':');
        if (colon >= 0)
        {
            eventName = eventName[(colon + 1)..];
        }

        if (eventName.Length == 0)
        {
            throw new ReplayFormatException(lineNumber, "expected an event name after the timestamp");
        }

        fields = m.Groups["fields"].Value;
        return ParseFields(cpu, timeNs, eventName, fields, lineNumber);
    }

    /// <summary>
    /// A line with the event context whose body is not <c>event: fields</c>: the function tracer's
    /// <c>func &lt;-parent</c> (trace_fn_trace(), kernel/trace/trace_output.c: <c>%ps</c>, with options/print-parent
    /// <c> &lt;-%ps</c>; <c>%ps</c> of a module symbol adds <c> [module]</c>; options/func-args adds <c>(args)</c>, and
    /// options/func-repeats <c> (repeats: N, last_ts: T)</c>) is kept as a <c>function</c> record, which
    /// counts nothing; a whole-number timestamp (trace_print_time() prints <c> %12llu</c> for a trace_clock that does
    /// not count nanoseconds: counter, uptime, x86-tsc) is an error naming the clock, as is any other line.
    /// </summary>
    private static FtraceRecord ParseNonEventLine(string line, int lineNumber)
    {
        var m = FunctionLine().Match(line);
        if (m.Success)
        {
            return new FtraceRecord(
                ParseInt(m.Groups["cpu"].Value, lineNumber, "CPU number"),
                ParseTime(m.Groups["secs"].Value, m.Groups["frac"].Value, lineNumber),
                FunctionEvent,
                null,
                null,
                null,
                null,
                lineNumber);
        }

        m = RawClockLine().Match(line);
        if (m.Success)
        {
            throw new ReplayFormatException(
                lineNumber,
                $"timestamp '{m.Groups["raw"].Value}' is a raw clock count, not '<seconds>.<micros>': the capture used a trace_clock that does not count nanoseconds (counter, uptime or x86-tsc); record with a nanosecond clock (echo global > trace_clock) or convert with trace-cmd report --ts2secs");
        }

        throw new ReplayFormatException(lineNumber, ExpectedLine);
    }

    private static bool IsSkipped(string line)
    {
        var t = line.AsSpan().TrimStart();
        return t.IsEmpty
            || t[0] == '#'
            || t.StartsWith("version = ", StringComparison.Ordinal)
            || PreambleLine().IsMatch(line);
    }

    private static FtraceRecord ParseFields(int cpu, long timeNs, string eventName, string fields, int lineNumber)
    {
        switch (eventName)
        {
            case "irq_handler_entry":
                {
                    // include/trace/events/irq.h: "irq=%d name=%s" (2.6: "irq=%d handler=%s").
                    var f = HandlerEntryFields().Match(fields);
                    if (!f.Success)
                    {
                        throw new ReplayFormatException(lineNumber, "expected 'irq=<int> name=<action>' after irq_handler_entry");
                    }

                    return new FtraceRecord(cpu, timeNs, eventName, ParseIrq(f.Groups["irq"].Value, eventName, lineNumber), null, f.Groups["name"].Value, null, lineNumber);
                }

            case "irq_handler_exit":
                {
                    // "irq=%d ret=%s", handled / unhandled (2.6: "irq=%d return=%s").
                    var f = HandlerExitFields().Match(fields);
                    if (!f.Success)
                    {
                        throw new ReplayFormatException(lineNumber, "expected 'irq=<int> ret=handled|unhandled' after irq_handler_exit");
                    }

                    return new FtraceRecord(cpu, timeNs, eventName, ParseIrq(f.Groups["irq"].Value, eventName, lineNumber), null, null, f.Groups["ret"].Value, lineNumber);
                }

            case "softirq_entry" or "softirq_exit" or "softirq_raise":
                {
                    // "vec=%u [action=%s]"; trace-cmd -R prints the raw "vec=%u" (2.6: "softirq=%d action=%s").
                    var f = SoftirqFields().Match(fields);
                    if (!f.Success)
                    {
                        throw new ReplayFormatException(lineNumber, $"expected 'vec=<n> [action=<NAME>]' after {eventName}");
                    }

                    var vec = ParseInt(f.Groups["vec"].Value, lineNumber, "vec");
                    var action = f.Groups["action"].Success ? f.Groups["action"].Value : null;
                    if (f.Groups["key"].Value == "vec")
                    {
                        CheckSoftirq(vec, action, eventName, lineNumber);
                    }

                    return new FtraceRecord(cpu, timeNs, eventName, null, vec, action, null, lineNumber);
                }

            default:
                return ParseOther(cpu, timeNs, eventName, fields, lineNumber);
        }
    }

    /// <summary>
    /// The <c>vec=%u [action=%s]</c> format (include/trace/events/irq.h, softirq class): <c>vec</c> is below
    /// <c>NR_SOFTIRQS</c> (10; __do_softirq and raise_softirq only trace those) and <c>action</c> is
    /// <c>show_softirq_name(vec)</c>, so another number or a name not the vector's is a garbled line. Vector 5 was
    /// <c>BLOCK_IOPOLL</c> before Linux 4.5 renamed it <c>IRQ_POLL</c>. The 2.6 <c>softirq=%d action=%s</c> format
    /// predates that table's current order (2.6.31 had no BLOCK_IOPOLL) and is not checked.
    /// </summary>
    private static void CheckSoftirq(int vec, string? action, string eventName, int lineNumber)
    {
        if (vec >= FtraceWriter.SoftirqNames.Count)
        {
            throw new ReplayFormatException(lineNumber, string.Create(CultureInfo.InvariantCulture,
                $"{eventName}: vec={vec} is not a softirq (0-{FtraceWriter.SoftirqNames.Count - 1}, NR_SOFTIRQS is {FtraceWriter.SoftirqNames.Count})"));
        }

        if (action is not null && action != FtraceWriter.SoftirqNames[vec] && !(vec == 5 && action == "BLOCK_IOPOLL"))
        {
            throw new ReplayFormatException(lineNumber, string.Create(CultureInfo.InvariantCulture,
                $"{eventName}: vec={vec} is {FtraceWriter.SoftirqNames[vec]}, not action={action}"));
        }
    }

    private static FtraceRecord ParseOther(int cpu, long timeNs, string eventName, string fields, int lineNumber)
    {
        var baseName = VectorEventBase(eventName);
        if (baseName is not null)
        {
            var known = IrqVectorEvents.TryGetByEvent(baseName, out _);
            var f = VectorFields().Match(fields);
            if (f.Success)
            {
                return new FtraceRecord(cpu, timeNs, eventName, null, ParseVector(f.Groups["vector"].Value, lineNumber), null, null, lineNumber);
            }

            if (known)
            {
                // irq_vectors.h class x86_irq_vector: "vector=%d".
                throw new ReplayFormatException(lineNumber, $"expected 'vector=<int>' after {eventName}");
            }
        }

        return new FtraceRecord(cpu, timeNs, eventName, null, null, null, null, lineNumber);
    }

    /// <summary>The base of <c>&lt;base&gt;_entry</c> / <c>&lt;base&gt;_exit</c>, else null.</summary>
    internal static string? VectorEventBase(string eventName)
    {
        if (eventName.EndsWith("_entry", StringComparison.Ordinal))
        {
            return eventName[..^6];
        }

        if (eventName.EndsWith("_exit", StringComparison.Ordinal))
        {
            return eventName[..^5];
        }

        return null;
    }

    private static long ParseTime(string secs, string frac, int lineNumber)
    {
        // trace_print_time: " %5lu.%06lu" (µs); trace-cmd report -t prints 9 digits (ns).
        long scale = frac.Length switch
        {
            6 => 1000,
            9 => 1,
            _ => throw new ReplayFormatException(lineNumber, $"expected 6 (µs) or 9 (ns) fraction digits in timestamp '{secs}.{frac}'"),
        };
        var s = ParseLong(secs, lineNumber, "seconds");
        var f = ParseLong(frac, lineNumber, "timestamp fraction");
        try
        {
            return checked((s * 1_000_000_000) + (f * scale));
        }
        catch (OverflowException)
        {
            throw new ReplayFormatException(lineNumber, $"timestamp '{secs}.{frac}' out of range");
        }
    }

    private static int ParseInt(string text, int lineNumber, string what)
    {
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw new ReplayFormatException(lineNumber, $"expected {what} as a 32-bit integer, got '{text}'");
        }

        return value;
    }

    /// <summary>
    /// A Linux irq number: irq.h prints the <c>int</c> it is given with <c>%d</c>, but __handle_irq_event_percpu()
    /// (kernel/irq/handle.c) passes the descriptor's <c>unsigned int irq_data.irq</c>, which is below nr_irqs: a
    /// negative one cannot come from the kernel.
    /// </summary>
    private static int ParseIrq(string text, string eventName, int lineNumber)
    {
        var irq = ParseInt(text, lineNumber, "irq");
        if (irq < 0)
        {
            throw new ReplayFormatException(lineNumber, string.Create(CultureInfo.InvariantCulture,
                $"{eventName}: irq={irq} is not a Linux irq number (the descriptor's unsigned irq, below nr_irqs)"));
        }

        return irq;
    }

    /// <summary>An x86 vector (SDM Vol. 3A §6.2: 256 of them, 0-255): <c>vector=%d</c> prints the <c>int</c> the CPU delivered.</summary>
    private static int ParseVector(string text, int lineNumber)
    {
        var vector = ParseInt(text, lineNumber, "vector");
        if ((uint)vector > 255)
        {
            throw new ReplayFormatException(lineNumber, string.Create(CultureInfo.InvariantCulture,
                $"vector={vector} is not an x86 vector (0-255)"));
        }

        return vector;
    }

    private static long ParseLong(string text, int lineNumber, string what)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new ReplayFormatException(lineNumber, $"expected {what} as an integer, got '{text}'");
        }

        return value;
    }

    // The line's task and CPU (trace_print_context(): "%16s-%-7d", optional "(%7d)" tgid or "(-------)", " [%03d]"); perf
    // script prints "comm pid". Shared by ContextLine, FunctionLine and RawClockLine.
    private const string TaskCpu = @"^\s*(?<comm>.+?)[- ](?<pid>\d+)\s+(?:\((?:\s*\d+|-+)\)\s+)?\[(?<cpu>\d+)\]";

    // The optional 4-6 irq/preempt flag characters and their separating space.
    private const string Flags = @"(?:(?<flags>[.A-Za-z0-9]{4,6})\s+)?";

    // secs.frac with an optional trace-cmd "(+delta)", and the colon after it.
    private const string Timestamp = @"(?<secs>\d+)\.(?<frac>\d+)(?:\s*\(\+\d+\))?:";

    // comm-pid or "comm pid" (perf script); optional (tgid) / (-------); [cpu]; optional 4-6 flag characters;
    // secs.frac; optional trace-cmd "(+delta)"; event (optionally system:event) padded; fields.
    [GeneratedRegex(TaskCpu + @"\s+" + Flags + Timestamp + @"(?:\s+\(\+-?\d+\))?\s+(?<event>[A-Za-z0-9_]+(?::[A-Za-z0-9_]+)?):(?:\s+(?<fields>.*))?$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex ContextLine();

    // The context of ContextLine, then the function tracer's "func <-parent", each "%ps" optionally followed by " [module]",
    // the function's "(args)" with options/func-args (print_function_args()) and trace_func_repeats_print()'s
    // " (repeats: %u, last_ts: %5lu.%06lu)".
    [GeneratedRegex(TaskCpu + @"\s+" + Flags + Timestamp + @"\s+[^\s:(]+(?: \[[^\]\s]+\])?(?:\([^()]*\))? <-[^\s:(]+(?: \[[^\]\s]+\])?(?: \(repeats: \d+, last_ts:\s+\d+\.\d+\))?$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex FunctionLine();

    // The context of ContextLine with trace_print_time()'s " %12llu" (a clock not in nanoseconds) and an event; trace-cmd
    // report prints such a count as "%12d:" right after "[%03d]" (trace_show_data(), tracecmd/trace-read.c), with no
    // space once it has 12 digits or more.
    [GeneratedRegex(TaskCpu + @"\s*" + Flags + @"(?<raw>\d+)(?:\s*\(\+\d+\))?:(?:\s+\(\+-?\d+\))?\s+[A-Za-z0-9_]+(?::[A-Za-z0-9_]+)?:", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex RawClockLine();

    // trace_print_lat_context: "%8.8s-%-7d %3d" + flags, then " %4lldus%c: "; trace-cmd report -l (trace_show_data(),
    // tracecmd/trace-read.c): "%8.8s-%-5d %3d" + the latency flags, then the normal " %6.1000d:" timestamp and, with
    // --ts-diff, " %-8s" of "(+delta)".
    [GeneratedRegex(@"^\s*(?<comm>.{1,8}?)-(?<pid>\d+)\s+(?<cpu>\d+)(?<flags>[.A-Za-z][.A-Za-z0-9]{3,7})\s+(?:(?<us>\d+)us[ +!#*@$]:|(?<secs>\d+)\.(?<frac>\d+):(?:\s+\(\+-?\d+\))?)\s+(?<event>[A-Za-z0-9_]+(?::[A-Za-z0-9_]+)?):(?:\s+(?<fields>.*))?$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex LatencyLine();

    // trace-cmd preamble ("cpus=4", "CPU 3 is empty").
    [GeneratedRegex(@"^\s*(?:cpus=\d+|CPU \d+ is empty)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex PreambleLine();

    // print_trace_line(): "CPU:%d [LOST %lu EVENTS]", or "CPU:%d [LOST EVENTS]" when the count is unknown; trace-cmd
    // report's trace_show_data() (tracecmd/trace-read.c): "CPU:%d [%lld EVENTS DROPPED]", or "CPU:%d [EVENTS DROPPED]".
    [GeneratedRegex(@"^\s*CPU:(?<cpu>\d+) \[(?:LOST(?: (?<n>\d+))? EVENTS|(?:(?<n>\d+) )?EVENTS DROPPED)\]\s*$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex LostLine();

    [GeneratedRegex(@"^irq=(?<irq>-?\d+) (?:name|handler)=(?<name>\S.*)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex HandlerEntryFields();

    [GeneratedRegex(@"^irq=(?<irq>-?\d+) (?:ret|return)=(?<ret>handled|unhandled)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex HandlerExitFields();

    [GeneratedRegex(@"^(?<key>vec|softirq)=(?<vec>\d+)(?: \[?action=(?<action>[A-Z_]+)\]?)?$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex SoftirqFields();

    [GeneratedRegex(@"^vector=(?<vector>-?\d+)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex VectorFields();
}
