using System.Globalization;
using System.Text;

namespace IrqLab.Tracing;

/// <summary>
/// Writes a run as the text <c>/sys/kernel/tracing/trace</c> prints (kernel/trace/trace_output.c
/// <c>trace_print_context</c>: <c>%16s-%-7d [%03d] FLAGS %5lu.%06lu: event: fields</c>; shared/reference/trace-formats.md §3).
/// Device handler entries (<see cref="TraceEvent.Irq"/> ≥ 0) become <c>irq_handler_entry: irq=%d name=%s</c> and their exits
/// <c>irq_handler_exit: irq=%d ret=handled|unhandled</c>; <c>sysvec_*</c> handlers that carry a tracepoint become
/// <c>irq_vectors</c> <c>&lt;name&gt;_entry/_exit: vector=%d</c> (<see cref="IrqVectorEvents"/>) with the handler's
/// <c>*_VECTOR</c> constant, as its C code passes it, even when installed at another vector
/// (<c>spurious_interrupt</c> on an unused system vector: <c>spurious_apic</c> with that vector); handlers with
/// <see cref="TraceEvent.Event"/> = <c>softirq</c> become <c>softirq_entry/_exit: vec=%u [action=%s]</c>. Everything else
/// (exceptions, NMIs, handlers without a tracepoint, guest events, raises, EOIs, messages) has no kernel tracepoint
/// among these and is skipped, as the kernel would not print it. All lines show the idle task (<c>&lt;idle&gt;-0</c>)
/// with flags <c>d.h..</c> (irqs off, hardirq; <c>d.H..</c> when it interrupted a softirq; <c>..s..</c> for softirqs).
/// Lines come in the order the kernel's <c>trace</c> file merges its per-CPU buffers (<c>kernel/trace/trace.c</c>
/// <c>__find_next_entry</c>: the smallest timestamp first, a tie to the lowest CPU), so lines of one nanosecond on several
/// CPUs are held and written by CPU, each CPU's in its own order.
/// The header's <c>entries-in-buffer/entries-written</c> line needs the number of events, so the lines are held until
/// <see cref="Complete"/> writes the header and then them: in a fixed buffer, which spills to a temporary file once it is
/// full, so memory does not grow with the run. The file has no name from the moment it is created (unlinked at once; on
/// Windows deleted when the writer is disposed), so a process killed mid-run leaves none behind.
/// </summary>
public sealed class FtraceWriter : ITraceSink, IDisposable
{
    /// <summary>The softirq names of <c>include/trace/events/irq.h</c> <c>show_softirq_name</c>, by vector.</summary>
    public static readonly IReadOnlyList<string> SoftirqNames = ["HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"];

    /// <summary>
    /// The legend that follows the <c>entries-in-buffer</c> line of the header (<c>print_func_help_header_irq</c>, 6.x):
    /// the five flag columns and the column line.
    /// </summary>
    public const string HeaderLegend =
        "#                                _-----=> irqs-off/BH-disabled\n" +
        "#                               / _----=> need-resched\n" +
        "#                              | / _---=> hardirq/softirq\n" +
        "#                              || / _--=> preempt-depth\n" +
        "#                              ||| / _-=> migrate-disable\n" +
        "#                              |||| /     delay\n" +
        "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n" +
        "#              | |         |   |||||     |         |\n";

    /// <summary>Chars held in memory before the lines spill to a temporary file.</summary>
    private const int BufferChars = 64 * 1024;

    private const string Task = "<idle>";

    /// <summary>Irqs off, hardirq context, preempt depth and migrate-disable 0 (trace_print_lat_fmt).</summary>
    private const string HardirqFlags = "d.h..";

    /// <summary>A hardirq that interrupted a softirq (trace_print_lat_fmt: <c>H</c> = hardirq inside softirq).</summary>
    private const string HardirqInSoftirqFlags = "d.H..";

    /// <summary>Irqs on while <c>__do_softirq</c> runs the action, softirq context.</summary>
    private const string SoftirqFlags = "..s..";
    private const byte KindNoTracepoint = 0;
    private const byte KindIrq = 1;
    private const byte KindVector = 2;
    private const byte KindSoftirq = 3;

    private readonly TextWriter _output;
    private readonly int _cpus;
    private readonly Stack<OpenHandler>[] _open;
    private readonly int[] _softirqsOpen;
    private readonly char[] _buffer = new char[BufferChars];
    private int _buffered;
    private readonly string? _temporaryDirectory;
    private FileStream? _spillFile;
    private string? _spillPath;
    private StreamWriter? _spill;
    private long _entries;
    private bool _completed;
    private bool _disposed;
    private char[] _line = new char[256];
    private int _length;
    private int _lineCpu;
    private long _lineNs;

    // Lines with the same timestamp, held until the time moves on so they come out the way the kernel merges its
    // per-CPU buffers (kernel/trace/trace.c __find_next_entry: smallest ts first, a tie goes to the lowest CPU).
    private char[] _group = new char[1024];
    private int _groupChars;
    private GroupLine[] _groupLines = new GroupLine[16];
    private int _groupCount;
    private long _groupNs;
    private readonly GroupLineMergeOrder _mergeOrder = new();

    /// <summary>Starts a trace file for a machine of <paramref name="cpus"/> CPUs; <see cref="Complete"/> writes it.</summary>
    /// <param name="output">Where the header and the lines go (each ends in <c>\n</c>).</param>
    /// <param name="cpus">Number of logical CPUs (the header's <c>#P:</c>).</param>
    /// <param name="temporaryDirectory">
    /// Where the lines spill once the memory buffer is full; default <see cref="Path.GetTempPath"/> ($TMPDIR or /tmp).
    /// A spill file that cannot be written is an <see cref="IOException"/> that says so in plain words
    /// (<c>cannot write 'PATH': directory 'DIR' does not exist</c>, <see cref="IrqLab.Scenarios.FileErrors.Reason"/>).
    /// </param>
    public FtraceWriter(TextWriter output, int cpus, string? temporaryDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cpus);
        _output = output;
        _cpus = cpus;
        _temporaryDirectory = temporaryDirectory;
        _open = new Stack<OpenHandler>[cpus];
        _softirqsOpen = new int[cpus];
    }

    /// <summary>Number of event lines written so far.</summary>
    public long Entries => _entries;

    /// <summary>
    /// What the kernel's <c>trace</c> file prints before the events (<c>print_trace_header</c>, <c>print_event_info</c>,
    /// <c>print_func_help_header_irq</c>, 6.x; shared/reference/trace-formats.md §3.1): <c># tracer: nop</c>, <c>#</c>,
    /// <c># entries-in-buffer/entries-written: %lu/%lu   #P:%d</c>, <c>#</c>, then <see cref="HeaderLegend"/>. Nothing
    /// is overwritten here, so the two counts are equal.
    /// </summary>
    /// <param name="entries">Number of event lines.</param>
    /// <param name="cpus">Number of CPUs (<c>num_online_cpus()</c>).</param>
    /// <returns>The header, each line ending in <c>\n</c>.</returns>
    public static string HeaderFor(long entries, int cpus) => string.Create(
        CultureInfo.InvariantCulture,
        $"# tracer: nop\n#\n# entries-in-buffer/entries-written: {entries}/{entries}   #P:{cpus}\n#\n{HeaderLegend}");

    /// <inheritdoc />
    public void Write(in TraceEvent traceEvent)
    {
        if (traceEvent.Cpu >= _cpus)
        {
            throw new ArgumentOutOfRangeException(nameof(traceEvent), traceEvent.Cpu, "CPU outside 0..cpus-1.");
        }

        if (traceEvent.Cpu < 0 || traceEvent.Vm is not null)
        {
            // Guest handlers are not host tracepoints; they are tracked per vCPU elsewhere and never touch host stacks.
            return;
        }

        if (traceEvent.Kind == TraceEventKind.HandlerEntry)
        {
            WriteEntry(traceEvent);
        }
        else if (traceEvent.Kind == TraceEventKind.HandlerExit)
        {
            WriteExit(traceEvent);
        }
        else if (traceEvent.Kind == TraceEventKind.HandlerDropped)
        {
            // INIT dropped the handler: no exit tracepoint fires, but later exits must not match its entry.
            if (_open[traceEvent.Cpu] is { } stack && stack.TryPop(out var open) && open.Kind == KindSoftirq)
            {
                _softirqsOpen[traceEvent.Cpu]--;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>Writes the header, now that the number of lines is known, and the lines; then flushes the output.</remarks>
    public void Complete(long endNs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            return;
        }

        FlushGroup();
        _completed = true;
        _output.Write(HeaderFor(_entries, _cpus));
        if (_spill is not null)
        {
            // The lines still in memory follow the spilled ones; the buffer is then reused to copy the file back.
            Spill();
            try
            {
                _spill.Flush();
                _spillFile!.Position = 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw SpillFailure(e);
            }

            using var reader = new StreamReader(_spillFile, new UTF8Encoding(false), false, 64 * 1024, leaveOpen: true);
            int read;
            while ((read = reader.Read(_buffer, 0, _buffer.Length)) > 0)
            {
                _output.Write(_buffer, 0, read);
            }

            DisposeSpill();
        }
        else
        {
            _output.Write(_buffer, 0, _buffered);
        }

        _buffered = 0;
        _output.Flush();
    }

    /// <summary>Deletes the temporary file the lines spilled to, if any. Does not write or close the output.</summary>
    public void Dispose()
    {
        DisposeSpill();
        _disposed = true;
    }

    private void DisposeSpill()
    {
        _spill?.Dispose();
        _spillFile?.Dispose();
        _spill = null;
        _spillFile = null;
    }

    private void WriteEntry(in TraceEvent e)
    {
        var stack = _open[e.Cpu] ??= new Stack<OpenHandler>();
        IrqVectorEvent? vectorEvent = null;
        byte kind;
        if (string.Equals(e.Event, "softirq", StringComparison.Ordinal) && e.Vector >= 0 && e.Vector < SoftirqNames.Count)
        {
            kind = KindSoftirq;
        }
        else if (e.Irq >= 0)
        {
            kind = KindIrq;
        }
        else if (IrqVectorEvents.TryGetByHandler(e.Name, out vectorEvent))
        {
            kind = KindVector;
        }
        else
        {
            kind = KindNoTracepoint;
        }

        // irq_vectors events record the handler's *_VECTOR constant, not the vector it was installed at (smp.c, apic.c).
        var vector = kind == KindVector ? IrqVectorEvents.TracedVector(e.Name, vectorEvent!, e.Vector) : e.Vector;
        stack.Push(new OpenHandler(kind, e.Irq, vector, vectorEvent));
        var hardirqFlags = _softirqsOpen[e.Cpu] > 0 ? HardirqInSoftirqFlags : HardirqFlags;
        switch (kind)
        {
            case KindIrq:
                BeginLine(e.Cpu, e.TimeNs, hardirqFlags, "irq_handler_entry", "");
                Append("irq=");
                Append(e.Irq);
                Append(" name=");
                Append(e.Name ?? "");
                EndLine();
                break;
            case KindVector:
                BeginLine(e.Cpu, e.TimeNs, hardirqFlags, vectorEvent!.Event, "_entry");
                Append("vector=");
                Append(vector);
                EndLine();
                break;
            case KindSoftirq:
                BeginLine(e.Cpu, e.TimeNs, SoftirqFlags, "softirq_entry", "");
                AppendSoftirq(e.Vector);
                EndLine();
                _softirqsOpen[e.Cpu]++;
                break;
            default:
                break;
        }
    }

    private void WriteExit(in TraceEvent e)
    {
        var stack = _open[e.Cpu];
        if (stack is null || !stack.TryPop(out var open))
        {
            return;
        }

        if (open.Kind == KindSoftirq)
        {
            _softirqsOpen[e.Cpu]--;
        }

        var hardirqFlags = _softirqsOpen[e.Cpu] > 0 ? HardirqInSoftirqFlags : HardirqFlags;
        switch (open.Kind)
        {
            case KindIrq:
                BeginLine(e.Cpu, e.TimeNs, hardirqFlags, "irq_handler_exit", "");
                Append("irq=");
                Append(open.Irq);

                // include/trace/events/irq.h: __entry->ret ? "handled" : "unhandled"
                Append(e.Value != 0 ? " ret=handled" : " ret=unhandled");
                EndLine();
                break;
            case KindVector:
                BeginLine(e.Cpu, e.TimeNs, hardirqFlags, open.VectorEvent!.Event, "_exit");
                Append("vector=");
                Append(open.Vector);
                EndLine();
                break;
            case KindSoftirq:
                BeginLine(e.Cpu, e.TimeNs, SoftirqFlags, "softirq_exit", "");
                AppendSoftirq(open.Vector);
                EndLine();
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// <c>%16s-%-7d [%03d] </c>, flags, <c> %5lu.%06lu: </c>, then the event name (<paramref name="name"/> +
    /// <paramref name="suffix"/>) and <c>": "</c> (trace_raw_output_prep).
    /// </summary>
    private void BeginLine(int cpu, long ns, string flags, string name, string suffix)
    {
        _length = 0;
        _lineCpu = cpu;
        _lineNs = ns;
        Pad(16 - Task.Length);
        Append(Task);
        Append('-');
        var start = _length;
        Append(0);
        Pad(7 - (_length - start));
        Append(" [");
        AppendRightAligned(cpu, 3, '0');
        Append("] ");
        Append(flags);
        Append(' ');

        // ns2usecs rounds to the nearest µs (kernel/trace/trace.h), then seconds and the µs remainder.
        var us = (ns + 500) / 1000;
        var secs = us / 1_000_000;
        var rem = us % 1_000_000;
        AppendRightAligned(secs, 5, ' ');
        Append('.');
        AppendRightAligned(rem, 6, '0');

        Append(": ");
        Append(name);
        Append(suffix);
        Append(": ");
    }

    private void AppendSoftirq(int vec)
    {
        Append("vec=");
        Append(vec);
        Append(" [action=");
        Append(SoftirqNames[vec]);
        Append(']');
    }

    private void EndLine()
    {
        if (_completed)
        {
            throw new InvalidOperationException("Write after Complete.");
        }

        Append('\n');
        _entries++;
        if (_groupCount > 0 && _lineNs != _groupNs)
        {
            FlushGroup();
        }

        if (_groupChars + _length > _group.Length)
        {
            Array.Resize(ref _group, Math.Max(_group.Length * 2, _groupChars + _length));
        }

        if (_groupCount == _groupLines.Length)
        {
            Array.Resize(ref _groupLines, _groupLines.Length * 2);
        }

        _line.AsSpan(0, _length).CopyTo(_group.AsSpan(_groupChars));
        _groupLines[_groupCount++] = new GroupLine(_lineCpu, _groupChars, _length);
        _groupChars += _length;
        _groupNs = _lineNs;
        if (_groupCount == MaxGroupLines)
        {
            // A zero-time storm (up to the engine's livelock bound of 2,000,000 handler entries at one instant) would
            // otherwise hold its whole trace in memory: past this many lines the instant is written in runs, each in
            // merge order, so memory stays bounded and only such a storm's lines of several CPUs may interleave.
            FlushGroup();
        }
    }

    /// <summary>Lines of one timestamp held at most before they are written (about 6 MB of text).</summary>
    private const int MaxGroupLines = 65_536;

    /// <summary>
    /// Emits the lines of one timestamp in the kernel's merge order: by CPU, lowest first, each CPU's lines in the order
    /// they were written (the events arrive in time order, so a timestamp's lines are contiguous). Most instants are
    /// already in order (one CPU, or CPUs pumped lowest first) and are written as they are; the others are sorted by
    /// (CPU, position), which keeps each CPU's lines in order in O(n log n) even for a storm of interleaved CPUs.
    /// </summary>
    private void FlushGroup()
    {
        for (var i = 1; i < _groupCount; i++)
        {
            if (_groupLines[i].Cpu < _groupLines[i - 1].Cpu)
            {
                Array.Sort(_groupLines, 0, _groupCount, _mergeOrder);
                break;
            }
        }

        for (var i = 0; i < _groupCount; i++)
        {
            var line = _groupLines[i];
            Emit(_group.AsSpan(line.Start, line.Length));
        }

        _groupCount = 0;
        _groupChars = 0;
    }

    private void Emit(ReadOnlySpan<char> line)
    {
        if (_buffered + line.Length > _buffer.Length)
        {
            Spill();
        }

        if (line.Length > _buffer.Length)
        {
            _spill!.Write(line);
            return;
        }

        line.CopyTo(_buffer.AsSpan(_buffered));
        _buffered += line.Length;
    }

    /// <summary>Moves the buffered lines to the temporary file (created on the first spill).</summary>
    private void Spill()
    {
        try
        {
            SpillBuffer();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SpillFailure(e);
        }
    }

    /// <summary>A spill file that cannot be created or written, named, in plain words rather than .NET's.</summary>
    private IOException SpillFailure(Exception e) =>
        new($"cannot write '{_spillPath}': {IrqLab.Scenarios.FileErrors.Reason(_spillPath, e)}", e);

    private void SpillBuffer()
    {
        if (_spill is null)
        {
            var path = Path.Combine(_temporaryDirectory ?? Path.GetTempPath(), "irqlab-ftrace-" + Guid.NewGuid().ToString("N") + ".tmp");
            _spillPath = path;
            if (OperatingSystem.IsWindows())
            {
                _spillFile = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose);
            }
            else
            {
                // Unlinked at once: the open handle keeps the data, and a process a signal ends (Ctrl-C, SIGTERM, which skip
                // Dispose) leaves no file behind in the temporary directory.
                _spillFile = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024);
                File.Delete(path);
            }

            _spill = new StreamWriter(_spillFile, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        }

        _spill.Write(_buffer, 0, _buffered);
        _buffered = 0;
    }

    private void Pad(int count)
    {
        Ensure(count);
        for (var i = 0; i < count; i++)
        {
            _line[_length++] = ' ';
        }
    }

    /// <summary><paramref name="value"/> right-aligned in <paramref name="width"/> columns, padded with <paramref name="pad"/> (<c>%5lu</c>, <c>%06lu</c>).</summary>
    private void AppendRightAligned(long value, int width, char pad)
    {
        var start = _length;
        Append(value);
        var digits = _length - start;
        if (digits < width)
        {
            // Shift the digits right and fill in front of them.
            var shift = width - digits;
            Ensure(shift);
            Array.Copy(_line, start, _line, start + shift, digits);
            Array.Fill(_line, pad, start, shift);
            _length += shift;
        }
    }

    private void Append(char c)
    {
        Ensure(1);
        _line[_length++] = c;
    }

    private void Append(string text)
    {
        Ensure(text.Length);
        text.CopyTo(0, _line, _length, text.Length);
        _length += text.Length;
    }

    private void Append(long value)
    {
        Ensure(20);
        value.TryFormat(_line.AsSpan(_length), out var written, default, CultureInfo.InvariantCulture);
        _length += written;
    }

    private void Ensure(int more)
    {
        if (_length + more > _line.Length)
        {
            Array.Resize(ref _line, Math.Max(_line.Length * 2, _length + more));
        }
    }

    private readonly record struct GroupLine(int Cpu, int Start, int Length);

    /// <summary>By CPU, then by position in the held text (the order the lines were written).</summary>
    private sealed class GroupLineMergeOrder : IComparer<GroupLine>
    {
        public int Compare(GroupLine x, GroupLine y) => x.Cpu != y.Cpu ? x.Cpu.CompareTo(y.Cpu) : x.Start.CompareTo(y.Start);
    }

    private readonly record struct OpenHandler(byte Kind, int Irq, int Vector, IrqVectorEvent? VectorEvent);
}
