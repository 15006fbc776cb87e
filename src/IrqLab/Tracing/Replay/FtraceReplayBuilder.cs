using System.Globalization;

namespace IrqLab.Tracing.Replay;

/// <summary>
/// Turns ftrace records into a <see cref="ReplayReport"/>: matches entries with exits per CPU (innermost first, as
/// handlers nest on one CPU), counts interrupts per /proc/interrupts row (irq number, or the row of the irq_vectors
/// event: LOC, RES, CAL...), and fills latency histograms per action / event. Records are taken one at a time
/// (<see cref="Add"/>) and only per-CPU state and per-row / per-handler totals are kept, so a capture of any size is
/// replayed in constant memory, unless the rebuilt events are kept for a trace. A trace of a capture that can be read
/// twice is drawn without keeping them: the first pass finds the entries that never exited
/// (<see cref="DroppedEvents"/>), the second rebuilds the same events in the same order and hands each one that stays to
/// a sink as it is made.
/// </summary>
internal sealed class FtraceReplayBuilder
{
    private const string KindIrq = "irq";
    private const string KindVector = "vector";
    private const string KindSoftirq = "softirq";

    private readonly Dictionary<int, List<Open>> _stacks = [];
    private readonly List<TraceEvent>? _events;
    private readonly Action<long, TraceEvent>? _sink;
    private readonly bool _trackDropped;
    private readonly HashSet<long> _dropped = [];
    private readonly Dictionary<string, RowAccumulator> _rows = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Kind, string Handler, int Number), HistogramAccumulator> _histograms = [];
    private readonly SortedSet<int> _cpus = [];
    private readonly Dictionary<int, DeviceInterrupt> _interrupts = [];
    private readonly SortedDictionary<int, (long Count, bool Unknown)> _lost = [];
    private int _unmatchedEntries;
    private int _unmatchedExits;
    private readonly Dictionary<int, long> _cpuLastNs = [];
    private readonly SortedDictionary<int, (int Line, long BeforeNs, long AfterNs)> _backwards = [];
    private int _records;
    private long _eventCount;
    private long _droppedCount;
    private long _firstNs = long.MaxValue;
    private long _lastNs = long.MinValue;
    private long _previousNs = long.MinValue;

    /// <summary>Creates a builder.</summary>
    /// <param name="keepEvents">Whether to keep the rebuilt <see cref="TraceEvent"/>s for <see cref="ReplayReport.Events"/>
    /// (memory grows with the capture); without, the report has their count only.</param>
    public FtraceReplayBuilder(bool keepEvents)
    {
        _events = keepEvents ? [] : null;
    }

    /// <summary>Creates a builder that keeps no event but hands each one to <paramref name="sink"/> as it is rebuilt.</summary>
    /// <param name="sink">Called with each event's index (the order events are rebuilt in, dropped ones included) and the event.</param>
    /// <param name="trackDropped">Whether to remember which entries never exited (<see cref="DroppedEvents"/>), for a second pass.</param>
    public FtraceReplayBuilder(Action<long, TraceEvent>? sink, bool trackDropped)
    {
        _sink = sink;
        _trackDropped = trackDropped;
    }

    /// <summary>
    /// Indices of the rebuilt entries that never exited (left out of a trace), when the builder keeps events or was asked
    /// to track them. The same capture rebuilt again gives every event the same index.
    /// </summary>
    public IReadOnlySet<long> DroppedEvents => _dropped;

    /// <summary>
    /// True while no record came earlier than the one before it, across CPUs (a <c>trace</c> or <c>trace_pipe</c> read
    /// merges the per-CPU buffers by time): the events are then rebuilt in time order and a trace needs no sorting.
    /// </summary>
    public bool InTimeOrder { get; private set; } = true;

    /// <summary>Number of records taken (lost-events markers not counted).</summary>
    public int Records => _records;

    /// <summary>
    /// Takes the next record. Handlers pair per CPU, in the order the records come: the kernel writes each CPU's events
    /// in time order (one ring buffer per CPU), and only the interleaving of CPUs, which pairing does not depend on,
    /// may go backwards in a merged capture.
    /// </summary>
    public void Add(FtraceRecord r)
    {
        if (string.Equals(r.Event, FtraceParser.LostEvent, StringComparison.Ordinal))
        {
            Lose(r.Cpu, r.Lost);
            return;
        }

        _records++;
        InTimeOrder &= r.TimeNs >= _previousNs;
        _previousNs = r.TimeNs;
        if (_cpuLastNs.TryGetValue(r.Cpu, out var lastNs) && r.TimeNs < lastNs)
        {
            // One CPU's ring buffer holds its events in time order: a CPU going back in time is another stretch of
            // events (two captures pasted together, a trace_clock changed), so nothing pairs across it.
            _backwards.TryAdd(r.Cpu, (r.Line, lastNs, r.TimeNs));
            Break(r.Cpu);
        }

        _cpuLastNs[r.Cpu] = r.TimeNs;
        _cpus.Add(r.Cpu);
        _firstNs = Math.Min(_firstNs, r.TimeNs);
        _lastNs = Math.Max(_lastNs, r.TimeNs);
        Apply(r);
    }

    /// <summary>The report of the records taken.</summary>
    public ReplayReport Build()
    {
        foreach (var stack in _stacks.Values)
        {
            _unmatchedEntries += stack.Count;
        }

        var interval = _firstNs > _lastNs ? 0 : (_lastNs - _firstNs) / 1e9;
        var cpus = _cpus.ToList();
        var rows = _rows
            .OrderBy(kv => RowOrder(kv.Key))
            .ThenBy(kv => kv.Key.Length)
            .ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => kv.Value.ToRow(kv.Key, cpus, interval))
            .ToList();
        var histograms = _histograms
            .OrderBy(kv => KindOrder(kv.Key.Kind))
            .ThenBy(kv => kv.Key.Number)
            .ThenBy(kv => kv.Key.Handler, StringComparer.Ordinal)
            .Select(kv => kv.Value.ToHistogram(kv.Key.Kind, kv.Key.Handler, kv.Key.Number))
            .ToList();
        var events = new List<TraceEvent>();
        if (_events is not null)
        {
            for (var i = 0; i < _events.Count; i++)
            {
                if (!_dropped.Contains(i))
                {
                    events.Add(_events[i]);
                }
            }

            // Time order across CPUs (stable: one CPU's events keep the order they were rebuilt in).
            events = [.. events.OrderBy(e => e.TimeNs)];
        }

        var notes = new List<string>();
        if (_rows.Count == 0)
        {
            notes.Add("no irq or irq_vectors handler events in the capture: nothing to count");
        }
        else if (interval == 0)
        {
            notes.Add("the capture spans no time (every event at one timestamp): per-second rates cannot be computed and are given as 0");
        }

        foreach (var (cpu, lost) in _lost)
        {
            var how = lost.Unknown
                ? (lost.Count > 0 ? $"at least {lost.Count} events" : "events")
                : $"{lost.Count} event(s)";
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"CPU{cpu}: the ring buffer lost {how} (CPU:{cpu} [LOST ... EVENTS]): its counts are low, and handlers open at a gap are not paired across it"));
        }

        foreach (var (cpu, back) in _backwards)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"CPU{cpu}: time goes backwards at line {back.Line} ({back.BeforeNs / 1e9:F6} s, then {back.AfterNs / 1e9:F6} s), which one CPU's ring buffer never does (captures pasted together?): handlers are not paired across it"));
        }

        if (_unmatchedExits > 0)
        {
            notes.Add($"{_unmatchedExits} exit(s) without a matching entry (capture started inside a handler, or events were lost)");
        }

        if (_unmatchedEntries > 0)
        {
            notes.Add($"{_unmatchedEntries} entr(y/ies) without a matching exit (capture ended inside a handler, or events were lost)");
        }

        return new ReplayReport("ftrace", interval, cpus, rows, histograms, events, _records, _unmatchedEntries, _unmatchedExits, notes)
        {
            EventCount = _eventCount - _droppedCount,
        };
    }

    /// <summary>
    /// A lost-events marker (print_trace_line(), kernel/trace/trace.c): events of <paramref name="cpu"/> between the
    /// records before and after it are gone, so an exit after it may belong to an entry that was lost, and an entry
    /// before it may have exited in the gap. The handlers open on the CPU are closed as unmatched entries (their
    /// entries drawn no more), and the next irq entry starts a new interrupt.
    /// </summary>
    private void Lose(int cpu, long count)
    {
        var (total, unknown) = _lost.GetValueOrDefault(cpu);
        _lost[cpu] = (total + count, unknown || count == 0);
        Break(cpu);
    }

    /// <summary>A gap in a CPU's events: its open handlers are unmatched entries, and its next irq entry starts an interrupt.</summary>
    private void Break(int cpu)
    {
        _interrupts.Remove(cpu);
        if (_stacks.TryGetValue(cpu, out var stack))
        {
            foreach (var open in stack)
            {
                Drop(open.EventIndex);
            }

            _unmatchedEntries += stack.Count;
            stack.Clear();
        }
    }

    private void Apply(FtraceRecord r)
    {
        switch (r.Event)
        {
            case "irq_handler_entry":
                {
                    var first = BeginAction(r.Cpu, r.Irq!.Value, r.Name!);
                    Enter(r, KindIrq, r.Name!, r.Irq.Value, r.Irq.Value.ToString(CultureInfo.InvariantCulture), r.Name!, first,
                        new TraceEvent(r.TimeNs, r.Cpu, TraceEventKind.HandlerEntry, Name: r.Name, Irq: r.Irq.Value, Event: "ext_int"));
                    return;
                }

            case "irq_handler_exit":
                {
                    var action = OpenAction(r.Cpu, r.Irq!.Value);
                    Exit(r, KindIrq, null, r.Irq.Value, string.Equals(r.Ret, "handled", StringComparison.Ordinal) ? 1 : 0);
                    EndAction(r.Cpu, r.Irq.Value, action);
                    return;
                }

            case "softirq_entry":
                {
                    _interrupts.Remove(r.Cpu);
                    var name = r.Name ?? SoftirqName(r.Vector!.Value);
                    Enter(r, KindSoftirq, name, r.Vector!.Value, null, null, false,
                        new TraceEvent(r.TimeNs, r.Cpu, TraceEventKind.HandlerEntry, r.Vector.Value, name, Event: "softirq"));
                    return;
                }

            case "softirq_exit":
                _interrupts.Remove(r.Cpu);
                Exit(r, KindSoftirq, null, r.Vector!.Value, -1);
                return;
            default:
                break;
        }

        if (r.Vector is null)
        {
            return;
        }

        var baseName = FtraceParser.VectorEventBase(r.Event);
        if (baseName is null)
        {
            return;
        }

        _interrupts.Remove(r.Cpu);
        if (r.Event.EndsWith("_entry", StringComparison.Ordinal))
        {
            var known = IrqVectorEvents.TryGetByEvent(baseName, out var info);
            Enter(r, KindVector, baseName, r.Vector.Value, known ? info!.Row : baseName, baseName, true,
                new TraceEvent(r.TimeNs, r.Cpu, TraceEventKind.HandlerEntry, r.Vector.Value, known ? info!.Handler : baseName, Event: "ext_int"));
        }
        else
        {
            Exit(r, KindVector, baseName, r.Vector.Value, -1);
        }
    }

    /// <summary>
    /// Decides whether an <c>irq_handler_entry</c> starts a new interrupt (one kstat increment) or is the next action of
    /// the interrupt that is running. kernel/irq/handle.c <c>__handle_irq_event_percpu</c> runs every action of a shared
    /// line back to back, one entry/exit pair each, for one interrupt: an entry continues the interrupt only when it
    /// directly follows an exit of the same irq on the same CPU (no other handler event on that CPU in between) and its
    /// action has not run yet in that interrupt. An action that already ran starts the next interrupt of the line, so two
    /// interrupts of a one-action line with nothing traced between them count twice.
    /// </summary>
    /// <returns>True when the entry starts a new interrupt.</returns>
    private bool BeginAction(int cpu, int irq, string action)
    {
        if (_interrupts.TryGetValue(cpu, out var current)
            && current.AfterExit
            && current.Irq == irq
            && !current.Actions.Contains(action, StringComparer.Ordinal))
        {
            current.Actions.Add(action);
            current.AfterExit = false;
            return false;
        }

        _interrupts[cpu] = new DeviceInterrupt(irq, action);
        return true;
    }

    /// <summary>
    /// After an <c>irq_handler_exit</c>, the next entry of the same irq on the CPU may be the line's next action. An exit
    /// of another irq starts a record holding the action whose entry the exit closes (<paramref name="action"/>): a
    /// handler nested inside the action (a system vector, another irq) ended the record of its interrupt, but the action
    /// did run, so the same action entered again is the next interrupt. An exit whose entry is not in the capture starts
    /// a record with no action seen yet.
    /// </summary>
    private void EndAction(int cpu, int irq, string? action)
    {
        if (!_interrupts.TryGetValue(cpu, out var current) || current.Irq != irq)
        {
            current = new DeviceInterrupt(irq, action);
            _interrupts[cpu] = current;
        }

        current.AfterExit = true;
    }

    /// <summary>The action name of the innermost open <c>irq_handler_entry</c> of <paramref name="irq"/> on the CPU, if any.</summary>
    private string? OpenAction(int cpu, int irq)
    {
        if (_stacks.TryGetValue(cpu, out var stack))
        {
            for (var i = stack.Count - 1; i >= 0; i--)
            {
                if (stack[i].Kind == KindIrq && stack[i].Number == irq)
                {
                    return stack[i].Handler;
                }
            }
        }

        return null;
    }

    private void Enter(FtraceRecord r, string kind, string handler, int number, string? row, string? rowName, bool count, TraceEvent entry)
    {
        if (!_stacks.TryGetValue(r.Cpu, out var stack))
        {
            stack = [];
            _stacks.Add(r.Cpu, stack);
        }

        stack.Add(new Open(kind, handler, number, r.TimeNs, AddEvent(entry with { Depth = stack.Count }), entry));
        if (row is not null)
        {
            if (!_rows.TryGetValue(row, out var acc))
            {
                acc = new RowAccumulator();
                _rows.Add(row, acc);
            }

            acc.Add(r.Cpu, rowName, count, r.TimeNs, r.Line);
        }
    }

    /// <summary>Closes the innermost open handler of the same kind and number (and base name for vectors); handlers
    /// opened above it never exited and are dropped from the events.</summary>
    private void Exit(FtraceRecord r, string kind, string? baseName, int number, long value)
    {
        if (!_stacks.TryGetValue(r.Cpu, out var stack))
        {
            _unmatchedExits++;
            return;
        }

        var match = -1;
        for (var i = stack.Count - 1; i >= 0; i--)
        {
            var o = stack[i];
            if (o.Kind == kind && o.Number == number && (baseName is null || string.Equals(o.Handler, baseName, StringComparison.Ordinal)))
            {
                match = i;
                break;
            }
        }

        if (match < 0)
        {
            _unmatchedExits++;
            return;
        }

        for (var i = stack.Count - 1; i > match; i--)
        {
            Drop(stack[i].EventIndex);
            _unmatchedEntries++;
        }

        var open = stack[match];
        stack.RemoveRange(match, stack.Count - match);
        AddEvent(open.Entry with { TimeNs = r.TimeNs, Kind = TraceEventKind.HandlerExit, Depth = match, Value = value });
        var key = (kind, open.Handler, number);
        if (!_histograms.TryGetValue(key, out var hist))
        {
            hist = new HistogramAccumulator();
            _histograms.Add(key, hist);
        }

        hist.Add(r.TimeNs - open.StartNs);
    }

    /// <summary>Counts a rebuilt event, keeping it when asked to; returns its index.</summary>
    private long AddEvent(TraceEvent e)
    {
        _events?.Add(e);
        _sink?.Invoke(_eventCount, e);
        return _eventCount++;
    }

    /// <summary>An entry that never exited: not drawn, not counted among the events.</summary>
    private void Drop(long eventIndex)
    {
        _droppedCount++;
        if (_events is not null || _trackDropped)
        {
            _dropped.Add(eventIndex);
        }
    }

    private static string SoftirqName(int vec)
        => vec >= 0 && vec < FtraceWriter.SoftirqNames.Count ? FtraceWriter.SoftirqNames[vec] : vec.ToString(CultureInfo.InvariantCulture);

    private static int KindOrder(string kind) => kind switch
    {
        KindIrq => 0,
        KindVector => 1,
        _ => 2,
    };

    /// <summary>Numbered rows first, then named rows in arch_show_interrupts order, then unknown names.</summary>
    private static int RowOrder(string row)
    {
        if (char.IsAsciiDigit(row[0]))
        {
            return -1;
        }

        var index = Array.IndexOf(ProcInterruptsRows.NamedRowOrder, row);
        return index < 0 ? int.MaxValue : index;
    }

    /// <summary>The device interrupt last seen on a CPU: its irq, the actions that ran, and whether its last action exited.</summary>
    private sealed class DeviceInterrupt
    {
        public DeviceInterrupt(int irq, string? action)
        {
            Irq = irq;
            if (action is not null)
            {
                Actions.Add(action);
            }
        }

        public int Irq { get; }

        public List<string> Actions { get; } = [];

        public bool AfterExit { get; set; }
    }

    private readonly record struct Open(string Kind, string Handler, int Number, long StartNs, long EventIndex, TraceEvent Entry);

    /// <summary>
    /// A row's counts per CPU and its names, each with the earliest record that bore it (time, then line): the row's
    /// name lists them in time order, whatever order a merged capture interleaves its CPUs in (trace_pipe), as a
    /// capture in time order gives.
    /// </summary>
    private sealed class RowAccumulator
    {
        private readonly Dictionary<int, ulong> _counts = [];
        private readonly List<(string Name, long TimeNs, int Line)> _names = [];

        public void Add(int cpu, string? name, bool count, long timeNs, int line)
        {
            _counts[cpu] = _counts.GetValueOrDefault(cpu) + (count ? 1UL : 0UL);
            if (name is null)
            {
                return;
            }

            for (var i = 0; i < _names.Count; i++)
            {
                var n = _names[i];
                if (string.Equals(n.Name, name, StringComparison.Ordinal))
                {
                    if (timeNs < n.TimeNs || (timeNs == n.TimeNs && line < n.Line))
                    {
                        _names[i] = (name, timeNs, line);
                    }

                    return;
                }
            }

            _names.Add((name, timeNs, line));
        }

        public ReplayRow ToRow(string row, List<int> cpus, double interval)
        {
            var counts = new ulong[cpus.Count];
            var rates = new double[cpus.Count];
            ulong total = 0;
            double totalRate = 0;
            for (var i = 0; i < cpus.Count; i++)
            {
                counts[i] = _counts.GetValueOrDefault(cpus[i]);
                rates[i] = interval > 0 ? counts[i] / interval : 0;
                total += counts[i];
                totalRate += rates[i];
            }

            var names = _names.Count == 0
                ? null
                : string.Join(", ", _names.OrderBy(n => n.TimeNs).ThenBy(n => n.Line).Select(n => n.Name));
            return new ReplayRow(row, names, counts, rates, total, totalRate);
        }
    }

    private sealed class HistogramAccumulator
    {
        private readonly long[] _buckets = new long[64];
        private long _count;
        private long _min = long.MaxValue;
        private long _max;
        private long _total;

        public void Add(long ns)
        {
            ns = Math.Max(0, ns);
            _buckets[LatencyHistogram.BucketOf(ns)]++;
            _count++;
            _min = Math.Min(_min, ns);
            _max = Math.Max(_max, ns);
            _total += ns;
        }

        public LatencyHistogram ToHistogram(string kind, string handler, int number)
        {
            var last = _buckets.Length - 1;
            while (last > 0 && _buckets[last] == 0)
            {
                last--;
            }

            return new LatencyHistogram(
                kind,
                handler,
                kind == KindIrq ? number : null,
                kind == KindIrq ? null : number,
                _buckets[..(last + 1)],
                _count,
                _count == 0 ? 0 : _min,
                _max,
                _total);
        }
    }
}
