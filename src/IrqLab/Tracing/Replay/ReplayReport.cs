namespace IrqLab.Tracing.Replay;

/// <summary>
/// What a replay found: per-row per-CPU counts and rates, handler latency histograms, and (for ftrace captures) the
/// <see cref="TraceEvent"/> sequence rebuilt from the capture, in time order, ready for <see cref="ChromeTraceWriter"/>.
/// </summary>
/// <param name="Source"><c>ftrace</c> or <c>proc-interrupts</c>.</param>
/// <param name="IntervalSeconds">Time the rates are taken over.</param>
/// <param name="Cpus">The CPUs the per-CPU columns refer to, in column order.</param>
/// <param name="Rates">One row per /proc/interrupts row.</param>
/// <param name="Histograms">Entry-to-exit durations per handler (ftrace only).</param>
/// <param name="Events">Handler entries and exits rebuilt from the capture (ftrace only; empty when a streamed capture did not keep them, see <see cref="EventCount"/>); unmatched exits are left out.</param>
/// <param name="Records">Number of input records (ftrace lines, or rows of the second snapshot).</param>
/// <param name="UnmatchedEntries">Entries whose exit never came (capture ended, or lost events).</param>
/// <param name="UnmatchedExits">Exits without an entry (capture started inside a handler, or lost events).</param>
/// <param name="Notes">Facts worth telling the reader (rows only in one snapshot, CPUs that went offline).</param>
public sealed record ReplayReport(
    string Source,
    double IntervalSeconds,
    IReadOnlyList<int> Cpus,
    IReadOnlyList<ReplayRow> Rates,
    IReadOnlyList<LatencyHistogram> Histograms,
    IReadOnlyList<TraceEvent> Events,
    int Records,
    int UnmatchedEntries,
    int UnmatchedExits,
    IReadOnlyList<string> Notes)
{
    private readonly long? _eventCount;

    /// <summary>
    /// Handler entries and exits rebuilt (what a trace of <see cref="Events"/> draws): <see cref="Events"/>' count, or the
    /// count of a report of a streamed capture that did not keep them (<see cref="Replay.FromFtrace(TextReader, bool)"/>).
    /// </summary>
    public long EventCount
    {
        get => _eventCount ?? Events.Count;
        init => _eventCount = value;
    }

    /// <summary>Highest CPU number + 1: the <c>cpus</c> argument for <see cref="ChromeTraceWriter"/> / <see cref="FtraceWriter"/>.</summary>
    public int CpuCount
    {
        get
        {
            var max = -1;
            foreach (var cpu in Cpus)
            {
                max = Math.Max(max, cpu);
            }

            return max + 1;
        }
    }

    /// <summary>Finds a rate row by label, or null.</summary>
    /// <param name="row">The label.</param>
    /// <returns>The row, or null.</returns>
    public ReplayRow? FindRow(string row)
    {
        foreach (var r in Rates)
        {
            if (string.Equals(r.Row, row, StringComparison.Ordinal))
            {
                return r;
            }
        }

        return null;
    }
}
