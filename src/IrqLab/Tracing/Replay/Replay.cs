using System.Globalization;
using System.Text.Json;

namespace IrqLab.Tracing.Replay;

/// <summary>
/// Replays captures from real machines: an ftrace capture (handler rates, entry-to-exit latency histograms and a
/// <see cref="TraceEvent"/> sequence for <see cref="ChromeTraceWriter"/>) or two /proc/interrupts snapshots (rates).
/// </summary>
public static class Replay
{
    /// <summary>Builds a report from parsed ftrace records (any order; sorted by time, input line breaking ties).</summary>
    /// <param name="records">Records from <see cref="FtraceParser.Parse"/>.</param>
    /// <returns>Rates per row and CPU over the capture's span, histograms per handler, rebuilt events.</returns>
    public static ReplayReport FromFtrace(IReadOnlyList<FtraceRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var builder = new FtraceReplayBuilder(keepEvents: true);
        foreach (var r in records.OrderBy(r => r.TimeNs).ThenBy(r => r.Line))
        {
            builder.Add(r);
        }

        return builder.Build();
    }

    /// <summary>
    /// Builds a report from an ftrace capture read line by line (<see cref="FtraceParser.Read"/>), in constant memory
    /// whatever its size unless <paramref name="keepEvents"/>. Records are taken in file order: handlers pair per CPU,
    /// and the kernel writes each CPU's events in time order; CPUs may interleave in any order (trace_pipe merges the
    /// per-CPU buffers).
    /// </summary>
    /// <param name="input">The capture text.</param>
    /// <param name="keepEvents">Whether to keep the rebuilt events (<see cref="ReplayReport.Events"/>, for a trace);
    /// without, the report has their count (<see cref="ReplayReport.EventCount"/>) only.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ReplayFormatException">A line is garbled or truncated.</exception>
    public static ReplayReport FromFtrace(TextReader input, bool keepEvents)
    {
        ArgumentNullException.ThrowIfNull(input);
        var builder = new FtraceReplayBuilder(keepEvents);
        foreach (var r in FtraceParser.Read(input))
        {
            builder.Add(r);
        }

        return builder.Build();
    }

    /// <summary>
    /// Builds the report of an ftrace capture (as <see cref="FromFtrace(TextReader, bool)"/> without events) and hands its
    /// rebuilt events, in time order, to <paramref name="drawEvents"/> (for <see cref="ChromeTraceWriter"/>), in memory
    /// that does not grow with the capture when <paramref name="capture"/> can seek and its records come in time order
    /// (as the kernel's <c>trace</c> and <c>trace_pipe</c> files give them): the capture is then read twice, the second
    /// time to rebuild the events one by one. A stream that cannot seek (a pipe), or a capture whose CPUs interleave out
    /// of time order, is read once with its events kept and sorted. The events are those
    /// <see cref="FromFtrace(TextReader, bool)"/> keeps, in the same order.
    /// </summary>
    /// <param name="capture">The capture's bytes (text, UTF-8), from its current position; left open. Lines are read
    /// through <see cref="BoundedLineReader"/> (a line longer than its bound is a <see cref="ReplayFormatException"/>).</param>
    /// <param name="drawEvents">Called once, after the report is built, with the report and the events (enumerate them to the end).</param>
    /// <returns>The report.</returns>
    /// <exception cref="ReplayFormatException">A line is garbled or truncated, or the capture changed between the two reads.</exception>
    public static ReplayReport FromFtrace(Stream capture, Action<ReplayReport, IEnumerable<TraceEvent>> drawEvents)
    {
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(drawEvents);
        if (!capture.CanSeek)
        {
            using var once = new BoundedLineReader(new StreamReader(capture, leaveOpen: true));
            var kept = FromFtrace(once, keepEvents: true);
            drawEvents(kept, kept.Events);
            return kept;
        }

        var start = capture.Position;
        var first = new FtraceReplayBuilder(sink: null, trackDropped: true);
        using (var reader = new BoundedLineReader(new StreamReader(capture, leaveOpen: true)))
        {
            foreach (var r in FtraceParser.Read(reader))
            {
                first.Add(r);
            }
        }

        var report = first.Build();
        capture.Position = start;
        drawEvents(report, RebuildEvents(capture, first, report));
        return report;
    }

    /// <summary>The second read of <see cref="FromFtrace(Stream, Action{ReplayReport, IEnumerable{TraceEvent}})"/>: the events again, minus the entries the first found dropped.</summary>
    private static IEnumerable<TraceEvent> RebuildEvents(Stream capture, FtraceReplayBuilder first, ReplayReport report)
    {
        using var reader = new BoundedLineReader(new StreamReader(capture, leaveOpen: true));
        if (!first.InTimeOrder)
        {
            var sorted = FromFtrace(reader, keepEvents: true);
            CheckSameCapture(report, sorted.Records, sorted.EventCount);
            foreach (var e in sorted.Events)
            {
                yield return e;
            }

            yield break;
        }

        var dropped = first.DroppedEvents;
        var ready = new List<TraceEvent>();
        var again = new FtraceReplayBuilder(
            (index, e) =>
            {
                if (!dropped.Contains(index))
                {
                    ready.Add(e);
                }
            },
            trackDropped: false);
        long count = 0;
        foreach (var r in FtraceParser.Read(reader))
        {
            again.Add(r);
            foreach (var e in ready)
            {
                yield return e;
            }

            count += ready.Count;
            ready.Clear();
        }

        CheckSameCapture(report, again.Records, count);
    }

    private static void CheckSameCapture(ReplayReport report, int records, long events)
    {
        if (records != report.Records || events != report.EventCount)
        {
            throw new ReplayFormatException(string.Create(CultureInfo.InvariantCulture,
                $"the capture changed while it was read a second time for the trace ({report.Records} records and {report.EventCount} events, then {records} and {events})"));
        }
    }

    /// <summary>
    /// Rates between two /proc/interrupts snapshots: <c>(after - before) / intervalSeconds</c> per row and CPU. Columns
    /// are the CPUs online in both; rows present in only one snapshot are left out and noted, except a row the newest
    /// kernel hides until its first count (SPU, RTR, ERR, MIS), which in the second snapshot only counts from 0. Counts are the kernel's
    /// 32-bit <c>unsigned int</c> (<c>%10u</c>, shared/reference/trace-formats.md §4.1): a count lower in
    /// <paramref name="after"/> wrapped past 2^32, so the difference is taken modulo 2^32 and a note names the row and
    /// columns (a counter that was reset, e.g. an irq freed and requested again, looks the same and cannot be told apart).
    /// </summary>
    /// <param name="before">The first snapshot.</param>
    /// <param name="after">The second snapshot.</param>
    /// <param name="intervalSeconds">Seconds between the reads (positive).</param>
    /// <returns>The report (no histograms or events).</returns>
    /// <exception cref="ReplayFormatException">A count above 4294967295, which /proc/interrupts cannot print; the message names the row and CPU.</exception>
    public static ReplayReport FromSnapshots(ProcInterruptsSnapshot before, ProcInterruptsSnapshot after, double intervalSeconds)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (!(intervalSeconds > 0) || double.IsInfinity(intervalSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(intervalSeconds), intervalSeconds, "The interval must be a positive number of seconds.");
        }

        var notes = new List<string>();
        var cpus = new List<int>();
        var afterIndex = new List<int>();
        var beforeIndex = new List<int>();
        for (var i = 0; i < after.Cpus.Count; i++)
        {
            var b = IndexOf(before.Cpus, after.Cpus[i]);
            if (b < 0)
            {
                notes.Add($"CPU{after.Cpus[i]} only in the second snapshot (came online)");
                continue;
            }

            cpus.Add(after.Cpus[i]);
            afterIndex.Add(i);
            beforeIndex.Add(b);
        }

        foreach (var cpu in before.Cpus)
        {
            if (IndexOf(after.Cpus, cpu) < 0)
            {
                notes.Add($"CPU{cpu} only in the first snapshot (went offline)");
            }
        }

        var rows = new List<ReplayRow>();
        foreach (var row in after.Rows)
        {
            var old = before.Find(row.Row);
            if (old is null && IsHiddenUntilCounted(row.Row))
            {
                // The newest table-driven arch_show_interrupts() prints these rows (IDS) only once
                // irq_stat_inc_and_enable() counted one: absent before means 0 then, so the difference is the count.
                // A per-CPU row (one count per CPU of the second header) is zero on every CPU of the first header, so
                // that its columns follow the CPUs online in both as every other row's do; a global counter (ERR, MIS)
                // is one zero.
                old = row with { Counts = new ulong[row.Counts.Count == after.Cpus.Count ? before.Cpus.Count : row.Counts.Count] };
                notes.Add($"row {row.Row} only in the second snapshot: the kernel hides it until its first count, so it is counted from 0");
            }
            else if (old is null)
            {
                notes.Add($"row {row.Row} only in the second snapshot");
                continue;
            }
            else if (row.IsNumbered && (!string.Equals(old.Chip, row.Chip, StringComparison.Ordinal) || !string.Equals(old.Hwirq, row.Hwirq, StringComparison.Ordinal)))
            {
                // Another chip or hwirq at the same irq number is another interrupt: the irq was freed and requested
                // again between the reads (irq_free_descs() and a new descriptor with fresh kstat_irqs, kernel/irq/irqdesc.c),
                // so its counts are not one counter's and their difference would mix two devices'.
                notes.Add($"row {row.Row}: {Describe(old)} in the first snapshot, {Describe(row)} in the second: another interrupt at that irq number (freed and requested again between the reads), left out");
                continue;
            }

            var full = row.Counts.Count == after.Cpus.Count && old.Counts.Count == before.Cpus.Count;
            var n = full ? cpus.Count : Math.Min(row.Counts.Count, old.Counts.Count);
            var counts = new ulong[n];
            var rates = new double[n];
            ulong total = 0;
            double totalRate = 0;
            List<string>? wrapped = null;
            for (var i = 0; i < n; i++)
            {
                var a = row.Counts[full ? afterIndex[i] : i];
                var b = old.Counts[full ? beforeIndex[i] : i];
                var column = full ? "CPU" + cpus[i].ToString(CultureInfo.InvariantCulture) : "column " + (i + 1).ToString(CultureInfo.InvariantCulture);
                if (a > uint.MaxValue || b > uint.MaxValue)
                {
                    throw new ReplayFormatException(
                        $"row {row.Row}: {column} count {Math.Max(a, b)} exceeds {uint.MaxValue}, the largest count /proc/interrupts prints (%10u)");
                }

                // trace-formats.md §4.1: "accept the full u32 range and diff modulo 2^32".
                counts[i] = (uint)(a - b);
                if (a < b)
                {
                    (wrapped ??= []).Add(string.Create(CultureInfo.InvariantCulture, $"{column} {b} -> {a}"));
                }

                rates[i] = counts[i] / intervalSeconds;
                total += counts[i];
                totalRate += rates[i];
            }

            if (wrapped is not null)
            {
                notes.Add($"row {row.Row}: count went backwards ({string.Join(", ", wrapped)}); taken as a 32-bit wrap, difference modulo 2^32 (a counter reset would look the same)");
            }

            rows.Add(new ReplayRow(row.Row, row.Desc ?? row.Actions, counts, rates, total, totalRate));
        }

        foreach (var row in before.Rows)
        {
            if (after.Find(row.Row) is null)
            {
                notes.Add($"row {row.Row} only in the first snapshot");
            }
        }

        return new ReplayReport("proc-interrupts", intervalSeconds, cpus, rows, [], [], after.Rows.Count, 0, 0, notes);
    }

    private static string Describe(ProcInterruptsRow row) =>
        row.Hwirq is null ? row.Chip ?? "no chip" : $"{row.Chip} {row.Hwirq}";

    /// <summary>
    /// Rows the newest table-driven <c>arch_show_interrupts()</c> (arch/x86/kernel/irq.c, <c>IDS</c> entries of
    /// <c>irq_stat_info[]</c>) hides until their first count: SPU, RTR, ERR, MIS.
    /// </summary>
    private static bool IsHiddenUntilCounted(string row) => row is "SPU" or "RTR" or "ERR" or "MIS";

    /// <summary>Writes a plain-text summary: the rate table, then each histogram with its buckets, then notes.</summary>
    /// <param name="report">The report.</param>
    /// <param name="output">Where the text goes.</param>
    public static void WriteText(ReplayReport report, TextWriter output) => ReplayTextWriter.Write(report, output);

    /// <summary>
    /// Writes the report as one JSON object with the conventions of SCENARIOS.md §10-§11 (<c>"irqlab": 1</c> first,
    /// snake_case keys): <c>irqlab</c>, <c>source</c>, <c>interval_s</c>, <c>cpus</c>, <c>rates</c> (row, name, counts,
    /// per_s, total, total_per_s), <c>histograms</c> (kind, handler, irq, vector, count, min_ns, max_ns, mean_ns, buckets
    /// of low_ns/high_ns/count), <c>events</c>, <c>records</c>, <c>unmatched_entries</c>, <c>unmatched_exits</c>,
    /// <c>notes</c>. The caller flushes <paramref name="writer"/>.
    /// </summary>
    /// <param name="report">The report.</param>
    /// <param name="writer">The JSON writer, positioned where a value may start.</param>
    public static void WriteJson(ReplayReport report, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteNumber("irqlab", 1);
        writer.WriteString("source", report.Source);
        writer.WriteNumber("interval_s", report.IntervalSeconds);
        writer.WriteStartArray("cpus");
        foreach (var cpu in report.Cpus)
        {
            writer.WriteNumberValue(cpu);
        }

        writer.WriteEndArray();
        writer.WriteObjectArray("rates", report.Rates, static (writer, row) =>
        {
            writer.WriteString("row", row.Row);
            writer.WriteString("name", row.Name);
            writer.WriteStartArray("counts");
            foreach (var c in row.Counts)
            {
                writer.WriteNumberValue(c);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("per_s");
            foreach (var r in row.Rates)
            {
                writer.WriteNumberValue(r);
            }

            writer.WriteEndArray();
            writer.WriteNumber("total", row.Total);
            writer.WriteNumber("total_per_s", row.TotalRate);
        });
        writer.WriteObjectArray("histograms", report.Histograms, static (writer, h) =>
        {
            writer.WriteString("kind", h.Kind);
            writer.WriteString("handler", h.Handler);
            writer.WriteNumberOrNull("irq", h.Irq);
            writer.WriteNumberOrNull("vector", h.Vector);
            writer.WriteNumber("count", h.Count);
            writer.WriteNumber("min_ns", h.MinNs);
            writer.WriteNumber("max_ns", h.MaxNs);
            writer.WriteNumber("mean_ns", h.MeanNs);
            writer.WriteStartArray("buckets");
            for (var b = 0; b < h.Buckets.Count; b++)
            {
                if (h.Buckets[b] == 0)
                {
                    continue;
                }

                writer.WriteStartObject();
                writer.WriteNumber("low_ns", LatencyHistogram.BucketLowNs(b));
                writer.WriteNumber("high_ns", LatencyHistogram.BucketHighNs(b));
                writer.WriteNumber("count", h.Buckets[b]);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        });
        writer.WriteNumber("events", report.EventCount);
        writer.WriteNumber("records", report.Records);
        writer.WriteNumber("unmatched_entries", report.UnmatchedEntries);
        writer.WriteNumber("unmatched_exits", report.UnmatchedExits);
        writer.WriteStartArray("notes");
        foreach (var note in report.Notes)
        {
            writer.WriteStringValue(note);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static int IndexOf(IReadOnlyList<int> list, int value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }

        return -1;
    }
}
