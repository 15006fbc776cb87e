using IrqLab.Tracing;
using Xunit;

namespace IrqLab.Tests.Tracing;

/// <summary>ChromeTraceWriter against the trace-event format Perfetto imports (shared/reference/trace-formats.md §1).</summary>
public sealed class ChromeTraceWriterTests
{
    private static ChromeTraceCheck Write(int cpus, Action<ChromeTraceWriter> body, string scenario = "demo")
    {
        using var stream = new MemoryStream();
        using (var writer = new ChromeTraceWriter(stream, cpus, scenario))
        {
            body(writer);
        }

        return new ChromeTraceCheck(stream.ToArray());
    }

    private static void Sample(ChromeTraceWriter w)
    {
        w.Write(new TraceEvent(100, -1, TraceEventKind.Raise, 34, "eth0", 27));
        w.Write(new TraceEvent(1_000, 0, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt", Event: "ext_int"));
        w.Write(new TraceEvent(1_500, 0, TraceEventKind.HandlerEntry, 34, "eth0", 27, Depth: 1, Event: "ext_int"));
        w.Write(new TraceEvent(1_600, 0, TraceEventKind.Pending, Value: 2));
        w.Write(new TraceEvent(2_000, 0, TraceEventKind.HandlerExit, Value: 1));
        w.Write(new TraceEvent(2_100, 0, TraceEventKind.Eoi, 34));
        w.Write(new TraceEvent(2_500, 0, TraceEventKind.HandlerExit, Value: -1));
        w.Write(new TraceEvent(2_600, 1, TraceEventKind.Eoi, 236));
        w.Write(new TraceEvent(3_000, 1, TraceEventKind.VmExit, Name: "EXTERNAL_INTERRUPT", Vm: "vm0", Vcpu: 0));
        w.Write(new TraceEvent(3_100, 1, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt", Vm: "vm0", Vcpu: 0, Event: "ext_int"));
        w.Write(new TraceEvent(3_200, 1, TraceEventKind.HandlerExit, Vm: "vm0", Vcpu: 0));
        w.Write(new TraceEvent(3_300, 1, TraceEventKind.VmEntry, Vm: "vm0", Vcpu: 0));
        w.Write(new TraceEvent(4_000, -1, TraceEventKind.Message, Name: "irq 27: nobody cared"));
        w.Complete(5_000);
    }

    [Fact]
    public void Output_is_a_traceEvents_object_with_process_and_thread_metadata_json_trace_tokenizer()
    {
        var check = Write(2, Sample, "storm");
        Assert.Equal("IrqLab storm", check.ProcessName);
        Assert.Equal("CPU 0", check.ThreadNames[0]);
        Assert.Equal("CPU 1", check.ThreadNames[1]);
        Assert.Equal("vm0 vCPU 0", check.ThreadNames[ChromeTraceWriter.FirstVcpuTid]);
        Assert.Equal(3, check.Slices);
        Assert.Equal(2, check.MaxDepth);
        Assert.False(check.Document.RootElement.TryGetProperty("displayTimeUnit", out _));
    }

    [Fact]
    public void Handler_entry_becomes_B_with_name_and_args_vector_irq_event_depth()
    {
        var check = Write(2, Sample);
        var b = check.WithPhase("B");
        Assert.Equal("sysvec_apic_timer_interrupt", b[0].GetProperty("name").GetString());
        Assert.Equal(236, b[0].GetProperty("args").GetProperty("vector").GetInt32());
        Assert.False(b[0].GetProperty("args").TryGetProperty("irq", out _));
        Assert.Equal("eth0", b[1].GetProperty("name").GetString());
        Assert.Equal(27, b[1].GetProperty("args").GetProperty("irq").GetInt32());
        Assert.Equal(1, b[1].GetProperty("args").GetProperty("depth").GetInt32());
        Assert.Equal("ext_int", b[1].GetProperty("args").GetProperty("event").GetString());
        Assert.Equal(ChromeTraceWriter.FirstVcpuTid, b[2].GetProperty("tid").GetInt32());
    }

    [Fact]
    public void Timestamps_are_microseconds_with_exact_nanoseconds_trace_formats_1_2()
    {
        var check = Write(1, w =>
        {
            w.Write(new TraceEvent(1_500, 0, TraceEventKind.Eoi, 34));
            w.Write(new TraceEvent(1_234_567_891, 0, TraceEventKind.Eoi, 34));
            w.Write(new TraceEvent(9_007_199_254_740_993, 0, TraceEventKind.Eoi, 34));
            w.Complete(9_007_199_254_740_993);
        });
        var ts = check.WithPhase("i").Select(e => e.GetProperty("ts").GetRawText()).ToList();
        Assert.Equal(["1.5", "1234567.891", "9007199254740.993"], ts);
    }

    [Fact]
    public void Instants_use_thread_scope_on_a_cpu_and_global_scope_without_one()
    {
        var check = Write(2, Sample);
        var instants = check.WithPhase("i");
        var raise = instants.Single(e => e.GetProperty("cat").GetString() == "irq");
        Assert.Equal("g", raise.GetProperty("s").GetString());
        Assert.Equal("eth0", raise.GetProperty("name").GetString());
        var eoi = instants.First(e => e.GetProperty("name").GetString() == "EOI");
        Assert.Equal("t", eoi.GetProperty("s").GetString());
        Assert.Equal(0, eoi.GetProperty("tid").GetInt32());
        var exit = instants.Single(e => e.GetProperty("name").GetString() == "VM exit");
        Assert.Equal("EXTERNAL_INTERRUPT", exit.GetProperty("args").GetProperty("reason").GetString());
        Assert.Equal(ChromeTraceWriter.FirstVcpuTid, exit.GetProperty("tid").GetInt32());
        var message = instants.Single(e => e.GetProperty("cat").GetString() == "log");
        Assert.Equal("irq 27: nobody cared", message.GetProperty("name").GetString());
        Assert.Equal("g", message.GetProperty("s").GetString());
    }

    [Fact]
    public void Fault_becomes_a_thread_instant_named_by_its_kind_scenarios_11()
    {
        // SCENARIOS.md §11 "trace of the run": a fault of §10's list is an instant (trace-formats.md §1.3, s "t") on its CPU.
        var check = Write(2, w =>
        {
            w.Write(new TraceEvent(0, 1, TraceEventKind.Fault, Name: "triple_fault"));
            w.Complete(0);
        });
        var fault = Assert.Single(check.WithPhase("i"));
        Assert.Equal("triple_fault", fault.GetProperty("name").GetString());
        Assert.Equal("fault", fault.GetProperty("cat").GetString());
        Assert.Equal("t", fault.GetProperty("s").GetString());
        Assert.Equal(1, fault.GetProperty("tid").GetInt32());
        Assert.Equal("CPU 1", check.ThreadNames[1]);
    }

    [Fact]
    public void Pending_becomes_a_C_counter_per_cpu_json_trace_parser_impl()
    {
        var check = Write(2, Sample);
        var counter = Assert.Single(check.WithPhase("C"));
        Assert.Equal("pending CPU 0", counter.GetProperty("name").GetString());
        Assert.Equal(2, counter.GetProperty("args").GetProperty("count").GetInt64());
    }

    [Fact]
    public void Complete_closes_open_slices_at_endNs()
    {
        var check = Write(2, w =>
        {
            w.Write(new TraceEvent(10, 0, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt"));
            w.Write(new TraceEvent(20, 0, TraceEventKind.HandlerEntry, 253, "sysvec_reschedule_ipi", Depth: 1));
            w.Write(new TraceEvent(30, 1, TraceEventKind.HandlerEntry, 252, "sysvec_call_function"));
            Assert.Equal(3, w.OpenSlices);
            w.Complete(1_000);
            Assert.Equal(0, w.OpenSlices);
        });
        var ends = check.WithPhase("E");
        Assert.Equal(3, ends.Count);
        Assert.All(ends, e => Assert.Equal("1", e.GetProperty("ts").GetRawText()));
    }

    [Fact]
    public void Exit_without_open_slice_is_dropped_so_tracks_stay_balanced()
    {
        var check = Write(1, w =>
        {
            w.Write(new TraceEvent(10, 0, TraceEventKind.HandlerExit, Value: 1));
            w.Complete(20);
        });
        Assert.Empty(check.WithPhase("E"));
    }

    [Fact]
    public void Dispose_without_Complete_still_ends_the_json()
    {
        var check = Write(1, w => w.Write(new TraceEvent(10, 0, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt")));
        Assert.Single(check.WithPhase("E"));
    }

    [Fact]
    public void Cpu_outside_the_machine_is_a_programmer_error()
    {
        using var stream = new MemoryStream();
        using var writer = new ChromeTraceWriter(stream, 2, "x");
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Write(new TraceEvent(1, 2, TraceEventKind.Eoi)));
    }

    [Fact]
    public void Json_is_flushed_to_the_stream_as_it_grows_and_events_do_not_allocate()
    {
        using var stream = new CountingStream();
        using var writer = new ChromeTraceWriter(stream, 4, "long");
        var entry = new TraceEvent(0, 0, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt", Event: "ext_int");
        var exit = new TraceEvent(0, 0, TraceEventKind.HandlerExit, Value: -1);
        var pending = new TraceEvent(0, 0, TraceEventKind.Pending, Value: 1);
        // Warm-up: names the tracks, grows the JSON buffer to its working size, tiers the JIT.
        for (var i = 0; i < 4_000; i++)
        {
            writer.Write(entry with { Cpu = i & 3 });
            writer.Write(pending with { Cpu = i & 3 });
            writer.Write(exit with { Cpu = i & 3 });
        }

        var n = 0;
        var allocated = AllocationMeter.LeastPerRound(() =>
        {
            for (var end = n + 20_000; n < end; n++)
            {
                var cpu = n & 3;
                writer.Write(entry with { TimeNs = (n + 1) * 1_000L, Cpu = cpu });
                writer.Write(pending with { TimeNs = ((n + 1) * 1_000L) + 300, Cpu = cpu, Value = n & 7 });
                writer.Write(exit with { TimeNs = ((n + 1) * 1_000L) + 500, Cpu = cpu });
            }
        });

        Assert.True(stream.Written > 2_000_000, $"only {stream.Written} bytes reached the stream before Complete");
        Assert.True(allocated < 1_024, $"60000 events allocated {allocated} bytes (least of three rounds)");
        writer.Complete(70_000_000);
    }

    private sealed class CountingStream : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written;

        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Written += count;

        public override void Write(ReadOnlySpan<byte> buffer) => Written += buffer.Length;
    }
}
