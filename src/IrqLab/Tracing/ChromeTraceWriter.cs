using System.Text.Encodings.Web;
using System.Text.Json;

namespace IrqLab.Tracing;

/// <summary>
/// Streams a run as Chrome trace-event JSON (<c>{"traceEvents":[...]}</c>) that opens in ui.perfetto.dev and
/// chrome://tracing (shared/reference/trace-formats.md §1). One process <c>IrqLab &lt;scenario&gt;</c>; one thread
/// track per CPU (<c>CPU n</c>, tid n) and per vCPU (<c>&lt;vm&gt; vCPU n</c>), each named by a <c>ph:"M"</c>
/// event when first used. Handlers become nested <c>B</c>/<c>E</c> slices, raises / EOIs / VM exits and entries /
/// messages become instants, faults instants named by their kind (<c>cat</c> <c>fault</c>) on their CPU's track, pending counts a <c>C</c> counter <c>pending CPU n</c> per CPU (one arg, <c>count</c>; Perfetto
/// shows it as <c>pending CPU n count</c>). Timestamps are microseconds written
/// exactly to the nanosecond; <c>displayTimeUnit</c> is never emitted. The JSON buffer is flushed to the stream
/// as it fills, so memory does not grow with the run. The stream stays open (the caller owns it).
/// </summary>
public sealed class ChromeTraceWriter : ITraceSink, IDisposable
{
    private const int Pid = 1;
    private const int FlushThreshold = 16 * 1024;

    /// <summary>First tid of the vCPU tracks (CPU tracks use tid = CPU number).</summary>
    public const int FirstVcpuTid = 1_000_000;

    private static readonly JsonEncodedText s_traceEvents = JsonEncodedText.Encode("traceEvents");
    private static readonly JsonEncodedText s_ph = JsonEncodedText.Encode("ph");
    private static readonly JsonEncodedText s_pid = JsonEncodedText.Encode("pid");
    private static readonly JsonEncodedText s_tid = JsonEncodedText.Encode("tid");
    private static readonly JsonEncodedText s_ts = JsonEncodedText.Encode("ts");
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText s_cat = JsonEncodedText.Encode("cat");
    private static readonly JsonEncodedText s_s = JsonEncodedText.Encode("s");
    private static readonly JsonEncodedText s_args = JsonEncodedText.Encode("args");
    private static readonly JsonEncodedText s_vector = JsonEncodedText.Encode("vector");
    private static readonly JsonEncodedText s_irq = JsonEncodedText.Encode("irq");
    private static readonly JsonEncodedText s_event = JsonEncodedText.Encode("event");
    private static readonly JsonEncodedText s_depth = JsonEncodedText.Encode("depth");
    private static readonly JsonEncodedText s_ret = JsonEncodedText.Encode("ret");
    private static readonly JsonEncodedText s_reason = JsonEncodedText.Encode("reason");
    private static readonly JsonEncodedText s_cpu = JsonEncodedText.Encode("cpu");
    private static readonly JsonEncodedText s_count = JsonEncodedText.Encode("count");
    private static readonly JsonEncodedText s_phB = JsonEncodedText.Encode("B");
    private static readonly JsonEncodedText s_phE = JsonEncodedText.Encode("E");
    private static readonly JsonEncodedText s_phI = JsonEncodedText.Encode("i");
    private static readonly JsonEncodedText s_phC = JsonEncodedText.Encode("C");
    private static readonly JsonEncodedText s_phM = JsonEncodedText.Encode("M");
    private static readonly JsonEncodedText s_scopeThread = JsonEncodedText.Encode("t");
    private static readonly JsonEncodedText s_scopeGlobal = JsonEncodedText.Encode("g");
    private static readonly JsonEncodedText s_processName = JsonEncodedText.Encode("process_name");
    private static readonly JsonEncodedText s_threadName = JsonEncodedText.Encode("thread_name");
    private static readonly JsonEncodedText s_catHandler = JsonEncodedText.Encode("handler");
    private static readonly JsonEncodedText s_catIrq = JsonEncodedText.Encode("irq");
    private static readonly JsonEncodedText s_catApic = JsonEncodedText.Encode("apic");
    private static readonly JsonEncodedText s_catVmx = JsonEncodedText.Encode("vmx");
    private static readonly JsonEncodedText s_catLog = JsonEncodedText.Encode("log");
    private static readonly JsonEncodedText s_catFault = JsonEncodedText.Encode("fault");
    private static readonly JsonEncodedText s_eoi = JsonEncodedText.Encode("EOI");
    private static readonly JsonEncodedText s_vmExit = JsonEncodedText.Encode("VM exit");
    private static readonly JsonEncodedText s_vmEntry = JsonEncodedText.Encode("VM entry");
    private static readonly JsonEncodedText s_raise = JsonEncodedText.Encode("raise");
    private static readonly JsonEncodedText s_handler = JsonEncodedText.Encode("handler");
    private static readonly JsonEncodedText s_message = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText s_fault = JsonEncodedText.Encode("fault");

    private readonly Stream _output;
    private readonly Utf8JsonWriter _json;
    private readonly int _cpus;
    private readonly bool[] _cpuNamed;
    private readonly int[] _cpuOpen;
    private readonly string?[] _pendingNames;
    private readonly Dictionary<(string Vm, int Vcpu), int> _vcpuIndex = [];
    private readonly List<int> _vcpuOpen = [];
    private long _lastNs;
    private bool _completed;
    private bool _disposed;

    /// <summary>Starts the JSON document on <paramref name="output"/> and names the process.</summary>
    /// <param name="output">Where the JSON goes; flushed, never closed, by this writer.</param>
    /// <param name="cpus">Number of logical CPUs (events name CPUs 0..cpus-1).</param>
    /// <param name="scenarioName">Shown in the process name <c>IrqLab &lt;scenarioName&gt;</c>.</param>
    public ChromeTraceWriter(Stream output, int cpus, string scenarioName)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cpus);
        ArgumentNullException.ThrowIfNull(scenarioName);
        _output = output;
        _cpus = cpus;
        _cpuNamed = new bool[cpus];
        _cpuOpen = new int[cpus];
        _pendingNames = new string?[cpus];
        _json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false });
        _json.WriteStartObject();
        _json.WriteStartArray(s_traceEvents);
        _json.WriteStartObject();
        _json.WriteString(s_ph, s_phM);
        _json.WriteNumber(s_pid, Pid);
        _json.WriteString(s_name, s_processName);
        _json.WriteStartObject(s_args);
        _json.WriteString(s_name, "IrqLab " + scenarioName);
        _json.WriteEndObject();
        _json.WriteEndObject();
    }

    /// <summary>Number of B slices currently open on all tracks.</summary>
    public int OpenSlices
    {
        get
        {
            var open = 0;
            for (var i = 0; i < _cpuOpen.Length; i++)
            {
                open += _cpuOpen[i];
            }

            for (var i = 0; i < _vcpuOpen.Count; i++)
            {
                open += _vcpuOpen[i];
            }

            return open;
        }
    }

    /// <inheritdoc />
    public void Write(in TraceEvent traceEvent)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("Write after Complete.");
        }

        if (traceEvent.Cpu >= _cpus)
        {
            throw new ArgumentOutOfRangeException(nameof(traceEvent), traceEvent.Cpu, "CPU outside 0..cpus-1.");
        }

        if (traceEvent.TimeNs > _lastNs)
        {
            _lastNs = traceEvent.TimeNs;
        }

        switch (traceEvent.Kind)
        {
            case TraceEventKind.HandlerEntry:
                WriteEntry(traceEvent);
                break;
            case TraceEventKind.HandlerExit:
                WriteExit(traceEvent);
                break;
            case TraceEventKind.HandlerDropped:
                WriteDropped(traceEvent);
                break;
            case TraceEventKind.Raise:
                WriteInstant(traceEvent, traceEvent.Name, s_raise, s_catIrq);
                break;
            case TraceEventKind.Eoi:
                WriteInstant(traceEvent, null, s_eoi, s_catApic);
                break;
            case TraceEventKind.VmExit:
                WriteInstant(traceEvent, null, s_vmExit, s_catVmx);
                break;
            case TraceEventKind.VmEntry:
                WriteInstant(traceEvent, null, s_vmEntry, s_catVmx);
                break;
            case TraceEventKind.Message:
                WriteInstant(traceEvent, traceEvent.Name, s_message, s_catLog);
                break;
            case TraceEventKind.Fault:
                WriteInstant(traceEvent, traceEvent.Name, s_fault, s_catFault);
                break;
            case TraceEventKind.Pending:
                WritePending(traceEvent);
                break;
            default:
                break;
        }

        MaybeFlush();
    }

    /// <inheritdoc />
    public void Complete(long endNs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            return;
        }

        var ts = Math.Max(endNs, _lastNs);
        for (var cpu = 0; cpu < _cpuOpen.Length; cpu++)
        {
            for (; _cpuOpen[cpu] > 0; _cpuOpen[cpu]--)
            {
                WriteEnd(cpu, ts);
                MaybeFlush();
            }
        }

        for (var i = 0; i < _vcpuOpen.Count; i++)
        {
            for (; _vcpuOpen[i] > 0; _vcpuOpen[i]--)
            {
                WriteEnd(FirstVcpuTid + i, ts);
                MaybeFlush();
            }
        }

        _json.WriteEndArray();
        _json.WriteEndObject();
        _json.Flush();
        _output.Flush();
        _completed = true;
    }

    /// <summary>Completes the document at the last event's time if <see cref="Complete"/> was not called, then releases the JSON writer.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        if (!_completed)
        {
            Complete(_lastNs);
        }

        _json.Dispose();
        _disposed = true;
    }

    private void WriteEntry(in TraceEvent e)
    {
        var tid = TrackFor(e);
        if (tid < 0)
        {
            return;
        }

        AddOpen(tid, 1);
        StartEvent(s_phB, tid, e.TimeNs);
        WriteNameOrFallback(e.Name, s_handler);
        _json.WriteString(s_cat, s_catHandler);
        _json.WriteStartObject(s_args);
        if (e.Vector >= 0)
        {
            _json.WriteNumber(s_vector, e.Vector);
        }

        if (e.Irq >= 0)
        {
            _json.WriteNumber(s_irq, e.Irq);
        }

        if (e.Event is not null)
        {
            _json.WriteString(s_event, e.Event);
        }

        _json.WriteNumber(s_depth, e.Depth);
        _json.WriteEndObject();
        _json.WriteEndObject();
    }

    private void WriteExit(in TraceEvent e)
    {
        var tid = TrackFor(e);
        if (tid < 0 || OpenOn(tid) == 0)
        {
            // An exit without an open slice would unbalance the track: drop it.
            return;
        }

        AddOpen(tid, -1);
        StartEvent(s_phE, tid, e.TimeNs);
        _json.WriteStartObject(s_args);
        _json.WriteNumber(s_ret, e.Value);
        _json.WriteEndObject();
        _json.WriteEndObject();
    }

    /// <summary>The end of a slice whose handler never returned (INIT): no <c>ret</c>.</summary>
    private void WriteDropped(in TraceEvent e)
    {
        var tid = TrackFor(e);
        if (tid < 0 || OpenOn(tid) == 0)
        {
            return;
        }

        AddOpen(tid, -1);
        WriteEnd(tid, e.TimeNs);
    }

    private void WriteEnd(int tid, long ts)
    {
        StartEvent(s_phE, tid, ts);
        _json.WriteEndObject();
    }

    /// <summary>An <c>i</c> event named <paramref name="name"/>, or <paramref name="fallbackName"/> when that is null.</summary>
    private void WriteInstant(in TraceEvent e, string? name, JsonEncodedText fallbackName, JsonEncodedText category)
    {
        var tid = TrackFor(e);
        _json.WriteStartObject();
        _json.WriteString(s_ph, s_phI);
        _json.WriteNumber(s_pid, Pid);
        if (tid >= 0)
        {
            _json.WriteNumber(s_tid, tid);
        }

        WriteTs(e.TimeNs);
        _json.WriteString(s_s, tid >= 0 ? s_scopeThread : s_scopeGlobal);
        WriteNameOrFallback(name, fallbackName);

        _json.WriteString(s_cat, category);
        _json.WriteStartObject(s_args);
        if (e.Vector >= 0)
        {
            _json.WriteNumber(s_vector, e.Vector);
        }

        if (e.Irq >= 0)
        {
            _json.WriteNumber(s_irq, e.Irq);
        }

        if (e.Cpu >= 0)
        {
            _json.WriteNumber(s_cpu, e.Cpu);
        }

        if (e.Kind == TraceEventKind.VmExit && e.Name is not null)
        {
            _json.WriteString(s_reason, e.Name);
        }

        _json.WriteEndObject();
        _json.WriteEndObject();
    }

    private void WritePending(in TraceEvent e)
    {
        if (e.Cpu < 0)
        {
            return;
        }

        var name = _pendingNames[e.Cpu] ??= "pending CPU " + e.Cpu.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _json.WriteStartObject();
        _json.WriteString(s_ph, s_phC);
        _json.WriteNumber(s_pid, Pid);
        WriteTs(e.TimeNs);
        _json.WriteString(s_name, name);
        _json.WriteStartObject(s_args);
        _json.WriteNumber(s_count, e.Value);
        _json.WriteEndObject();
        _json.WriteEndObject();
    }

    private void StartEvent(JsonEncodedText phase, int tid, long ns)
    {
        _json.WriteStartObject();
        _json.WriteString(s_ph, phase);
        _json.WriteNumber(s_pid, Pid);
        _json.WriteNumber(s_tid, tid);
        WriteTs(ns);
    }

    private void WriteNameOrFallback(string? name, JsonEncodedText fallback)
    {
        if (name is null)
        {
            _json.WriteString(s_name, fallback);
        }
        else
        {
            _json.WriteString(s_name, name);
        }
    }

    /// <summary>µs with exact ns: a decimal with three fraction digits at most (no binary rounding).</summary>
    private void WriteTs(long ns) => _json.WriteNumber(s_ts, new decimal(ns) / 1000m);

    /// <summary>The track of an event: its vCPU track for guest events, its CPU track, or -1 (machine-wide).</summary>
    private int TrackFor(in TraceEvent e)
    {
        if (e.Vm is not null && e.Vcpu >= 0)
        {
            if (!_vcpuIndex.TryGetValue((e.Vm, e.Vcpu), out var index))
            {
                index = _vcpuOpen.Count;
                _vcpuIndex.Add((e.Vm, e.Vcpu), index);
                _vcpuOpen.Add(0);
                WriteThreadName(FirstVcpuTid + index, e.Vm + " vCPU " + e.Vcpu.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return FirstVcpuTid + index;
        }

        if (e.Cpu < 0)
        {
            return -1;
        }

        if (!_cpuNamed[e.Cpu])
        {
            _cpuNamed[e.Cpu] = true;
            WriteThreadName(e.Cpu, "CPU " + e.Cpu.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return e.Cpu;
    }

    private void WriteThreadName(int tid, string name)
    {
        _json.WriteStartObject();
        _json.WriteString(s_ph, s_phM);
        _json.WriteNumber(s_pid, Pid);
        _json.WriteNumber(s_tid, tid);
        _json.WriteString(s_name, s_threadName);
        _json.WriteStartObject(s_args);
        _json.WriteString(s_name, name);
        _json.WriteEndObject();
        _json.WriteEndObject();
    }

    private int OpenOn(int tid) => tid >= FirstVcpuTid ? _vcpuOpen[tid - FirstVcpuTid] : _cpuOpen[tid];

    private void AddOpen(int tid, int delta)
    {
        if (tid >= FirstVcpuTid)
        {
            _vcpuOpen[tid - FirstVcpuTid] += delta;
        }
        else
        {
            _cpuOpen[tid] += delta;
        }
    }

    private void MaybeFlush()
    {
        if (_json.BytesPending >= FlushThreshold)
        {
            _json.Flush();
        }
    }
}
