using System.Globalization;
using System.Text;
using IrqLab.Tracing;
using IrqLab.Tracing.Replay;
using Xunit;

namespace IrqLab.Tests.Tracing;

/// <summary>
/// <c>irqlab replay</c> of an ftrace capture streams it: a capture is as large as the ring buffers a kernel developer
/// drains through <c>trace_pipe</c> for as long as the problem takes to show, so the memory the replay holds must not
/// grow with the file. It parsed every line into a list, sorted it and kept every rebuilt event: 446 MB of RSS for an
/// 88 MB capture. Runs alone (not in parallel with other classes), since it measures the whole process's live heap.
/// </summary>
[Collection(nameof(ReplayStreamingTests))]
[CollectionDefinition(nameof(ReplayStreamingTests), DisableParallelization = true)]
public sealed class ReplayStreamingTests
{
    [Fact]
    public void A_capture_replays_in_memory_that_does_not_grow_with_its_length()
    {
        const int Lines = 400_000;
        using var capture = new GeneratedCapture(Lines, measureAt: 20_000);

        var report = Replay.FromFtrace(capture, keepEvents: false);

        var growth = capture.LiveBytesAtEnd - capture.LiveBytesAtMark;
        Assert.True(growth < 4_000_000, string.Create(CultureInfo.InvariantCulture,
            $"the live heap grew by {growth:N0} bytes between line 20,000 and line {Lines:N0}: the replay keeps what it read"));
        Assert.Equal(Lines, report.Records);
        Assert.Equal(Lines, report.EventCount);
        Assert.Empty(report.Events);
        Assert.Equal([0, 1, 2, 3], report.Cpus);
        Assert.Equal([Lines / 8UL, 0UL, 0UL, 0UL], report.FindRow("24")!.Counts);
        Assert.Equal(Lines / 8, report.Histograms.Single(h => h.Irq == 27).Count);
        Assert.Equal(0, report.UnmatchedEntries + report.UnmatchedExits);
    }

    /// <summary>The streamed replay, kept events or not, reports what the replay of the parsed records does.</summary>
    [Theory]
    [InlineData("ftrace-irq-6x.txt")]
    [InlineData("ftrace-pipe-tgid.txt")]
    [InlineData("trace-cmd-report.txt")]
    public void Streamed_replay_reports_what_the_replay_of_parsed_records_does(string name)
    {
        ReplayReport parsed;
        using (var reader = TracingData.Open(name))
        {
            parsed = Replay.FromFtrace(FtraceParser.Parse(reader));
        }

        foreach (var keep in new[] { true, false })
        {
            using var reader = TracingData.Open(name);
            var streamed = Replay.FromFtrace(reader, keep);
            Assert.Equal(parsed.Cpus, streamed.Cpus);
            Assert.Equal(parsed.IntervalSeconds, streamed.IntervalSeconds);
            Assert.Equal(parsed.Rates.Select(r => (r.Row, r.Name, string.Join(",", r.Counts))), streamed.Rates.Select(r => (r.Row, r.Name, string.Join(",", r.Counts))));
            Assert.Equal(parsed.Histograms.Select(h => (h.Handler, h.Count, h.MinNs, h.MaxNs)), streamed.Histograms.Select(h => (h.Handler, h.Count, h.MinNs, h.MaxNs)));
            Assert.Equal(parsed.EventCount, streamed.EventCount);
            Assert.Equal(keep ? parsed.Events : [], streamed.Events);
            Assert.Equal((parsed.Records, parsed.UnmatchedEntries, parsed.UnmatchedExits), (streamed.Records, streamed.UnmatchedEntries, streamed.UnmatchedExits));
            Assert.Equal(parsed.Notes, streamed.Notes);
        }
    }

    /// <summary>
    /// A row's name lists its events in time order whatever order the CPUs are merged in: trace_pipe interleaves the
    /// per-CPU ring buffers (kernel/trace/trace.c), so the same events come as CPU 0's lines before CPU 1's earlier
    /// ones. The CAL row (call_function and call_function_single, arch/x86/kernel/irq.c arch_show_interrupts()) was
    /// named in file order, so the same capture merged two ways gave two names.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_rows_name_lists_its_events_in_time_order_however_the_cpus_interleave(bool cpu0First)
    {
        const string Cpu1 = """
                      <idle>-0       [001] d.h1.   100.000100: call_function_single_entry: vector=251
                      <idle>-0       [001] d.h1.   100.000104: call_function_single_exit: vector=251
            """;
        const string Cpu0 = """
                      <idle>-0       [000] d.h1.   100.000200: call_function_entry: vector=252
                      <idle>-0       [000] d.h1.   100.000203: call_function_exit: vector=252
            """;
        var capture = cpu0First ? Cpu0 + "\n" + Cpu1 : Cpu1 + "\n" + Cpu0;

        var report = Replay.FromFtrace(new StringReader(capture), keepEvents: false);

        var cal = report.FindRow("CAL")!;
        Assert.Equal("call_function_single, call_function", cal.Name);
        Assert.Equal([1UL, 1UL], cal.Counts);
    }

    /// <summary>
    /// The streamed replay pairs each CPU's records in file order, which is time order for a capture the kernel wrote
    /// (one ring buffer per CPU). A CPU going back in time is two stretches pasted together: nothing pairs across the
    /// step (that paired an entry with an earlier exit, a latency below zero), and a note names the CPU and line. CPUs
    /// merged out of time order (trace_pipe) pair as usual.
    /// </summary>
    [Fact]
    public void A_cpu_going_back_in_time_is_a_gap_its_handlers_do_not_pair_across()
    {
        const string Capture = """
            # tracer: nop
                      <idle>-0       [001] d.h1.   100.000200: irq_handler_entry: irq=26 name=eth1
                      <idle>-0       [000] d.h1.   100.000100: irq_handler_entry: irq=25 name=eth0
                      <idle>-0       [001] d.h1.   100.000210: irq_handler_exit: irq=26 ret=handled
                      <idle>-0       [000] d.h1.   100.000050: irq_handler_exit: irq=25 ret=handled
            """;

        var report = Replay.FromFtrace(new StringReader(Capture), keepEvents: true);

        Assert.Equal(10_000, Assert.Single(report.Histograms).MaxNs);
        Assert.Equal((1, 1), (report.UnmatchedEntries, report.UnmatchedExits));
        Assert.StartsWith("CPU0: time goes backwards at line 5 (100.000100 s, then 100.000050 s)", report.Notes[0], StringComparison.Ordinal);
        Assert.Equal(2, report.EventCount);
    }

    /// <summary>
    /// Captures for the trace's two reads: the kernel's own files, and the cases where the first read decides what the
    /// second leaves out or how it orders — an entry closed by an outer exit (never exited: not drawn), a lost-events
    /// marker (kernel/trace/trace.c <c>print_trace_line()</c>) closing a CPU's open handlers, a CPU going back in time,
    /// CPUs interleaved out of time order, entries open at the end of the capture.
    /// </summary>
    public static TheoryData<string> TraceCaptures => new()
    {
        File.ReadAllText(TracingData.PathOf("ftrace-irq-6x.txt")),
        File.ReadAllText(TracingData.PathOf("ftrace-pipe-tgid.txt")),
        File.ReadAllText(TracingData.PathOf("trace-cmd-report.txt")),
        """
                  <idle>-0       [000] d.h1.   100.000100: irq_handler_entry: irq=25 name=eth0
                  <idle>-0       [000] d.h2.   100.000101: local_timer_entry: vector=236
                  <idle>-0       [000] d.h1.   100.000110: irq_handler_exit: irq=25 ret=handled
                  <idle>-0       [001] d.h1.   100.000120: irq_handler_entry: irq=26 name=eth1
            CPU:1 [LOST 12 EVENTS]
                  <idle>-0       [001] d.h1.   100.000130: irq_handler_entry: irq=26 name=eth1
                  <idle>-0       [001] d.h1.   100.000140: irq_handler_exit: irq=26 ret=handled
                  <idle>-0       [000] d.h1.   100.000150: irq_handler_entry: irq=25 name=eth0
            """,
        """
                  <idle>-0       [001] d.h1.   100.000200: irq_handler_entry: irq=26 name=eth1
                  <idle>-0       [000] d.h1.   100.000100: irq_handler_entry: irq=25 name=eth0
                  <idle>-0       [001] d.h1.   100.000210: irq_handler_exit: irq=26 ret=handled
                  <idle>-0       [000] d.h1.   100.000150: irq_handler_exit: irq=25 ret=handled
                  <idle>-0       [000] d.h1.   100.000050: irq_handler_entry: irq=25 name=eth0
            """,
    };

    /// <summary>
    /// <c>replay --trace</c> reads a capture twice instead of keeping its events (1.1 GB of RSS for a 225 MB capture of
    /// server-64, 70 MB after): the events drawn, from a file or from a pipe read once, are those the replay that keeps
    /// them rebuilds, in the same order, and the report is the same.
    /// </summary>
    [Theory]
    [MemberData(nameof(TraceCaptures))]
    public void The_trace_of_a_capture_read_twice_draws_the_events_the_replay_that_keeps_them_does(string capture)
    {
        var kept = Replay.FromFtrace(new StringReader(capture), keepEvents: true);

        foreach (var seekable in new[] { true, false })
        {
            using var bytes = new MemoryStream(Encoding.UTF8.GetBytes(capture));
            using Stream stream = seekable ? bytes : new ForwardOnlyStream(bytes);
            List<TraceEvent>? drawn = null;
            var report = Replay.FromFtrace(stream, (r, events) => drawn = [.. events]);

            Assert.Equal(kept.Events, drawn);
            Assert.Equal(kept.EventCount, report.EventCount);
            Assert.Equal((kept.Records, kept.UnmatchedEntries, kept.UnmatchedExits), (report.Records, report.UnmatchedEntries, report.UnmatchedExits));
            Assert.Equal(kept.Notes, report.Notes);
            Assert.Equal(kept.Rates.Select(r => (r.Row, r.Name, string.Join(",", r.Counts))), report.Rates.Select(r => (r.Row, r.Name, string.Join(",", r.Counts))));
        }
    }

    /// <summary>
    /// The events of a capture in time order are drawn while the second read goes on, not after it: when the 1,000th
    /// event comes, less than half of the capture has been read again.
    /// </summary>
    [Fact]
    public void The_trace_of_a_capture_in_time_order_is_drawn_as_the_second_read_goes()
    {
        const int Lines = 100_000;
        var text = new StringBuilder();
        using (var generated = new GeneratedCapture(Lines, measureAt: -1))
        {
            while (generated.ReadLine() is { } line)
            {
                text.Append(line).Append('\n');
            }
        }

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text.ToString()));
        long positionAt1000 = -1;
        long drawn = 0;
        var report = Replay.FromFtrace(stream, (r, events) =>
        {
            foreach (var e in events)
            {
                if (++drawn == 1000)
                {
                    positionAt1000 = stream.Position;
                }
            }
        });

        Assert.Equal(Lines, drawn);
        Assert.Equal(Lines, report.EventCount);
        Assert.InRange(positionAt1000, 1, stream.Length / 2);
    }

    /// <summary>A capture that changed between the two reads (a file still being written) is an error, not a trace of something else.</summary>
    [Fact]
    public void A_capture_that_changes_between_the_two_reads_is_an_error()
    {
        const string First = """
                  <idle>-0       [000] d.h1.   100.000100: irq_handler_entry: irq=25 name=eth0
                  <idle>-0       [000] d.h1.   100.000110: irq_handler_exit: irq=25 ret=handled
            """;
        using var stream = new ChangingStream(First, First + "\n" + First.Replace("100.0001", "100.0002", StringComparison.Ordinal));

        var e = Assert.Throws<ReplayFormatException>(() => Replay.FromFtrace(stream, (r, events) => _ = events.Count()));

        Assert.Contains("the capture changed while it was read a second time", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A stream that cannot seek, as a pipe.</summary>
    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A seekable stream whose bytes are <c>first</c> until it is rewound to 0, then <c>then</c>.</summary>
    private sealed class ChangingStream(string first, string then) : MemoryStream(Encoding.UTF8.GetBytes(first).Length)
    {
        private readonly byte[] _then = Encoding.UTF8.GetBytes(then);
        private bool _started;
        private bool _changed;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (!_started)
            {
                _started = true;
                var bytes = Encoding.UTF8.GetBytes(first);
                base.Write(bytes, 0, bytes.Length);
                base.Position = 0;
            }

            return base.Read(buffer, offset, count);
        }

        public override long Position
        {
            get => base.Position;
            set
            {
                if (_started && !_changed && value == 0)
                {
                    _changed = true;
                    SetLength(0);
                    base.Write(_then, 0, _then.Length);
                }

                base.Position = value;
            }
        }
    }

    /// <summary>Lines of 4 CPUs, each an irq_handler_entry or _exit of its own irq 24-27, generated as they are read.</summary>
    private sealed class GeneratedCapture(int lines, int measureAt) : TextReader
    {
        private int _line;

        public long LiveBytesAtMark { get; private set; }

        public long LiveBytesAtEnd { get; private set; }

        public override string? ReadLine()
        {
            if (_line == measureAt)
            {
                LiveBytesAtMark = GC.GetTotalMemory(forceFullCollection: true);
            }

            if (_line == lines)
            {
                LiveBytesAtEnd = GC.GetTotalMemory(forceFullCollection: true);
                return null;
            }

            var pair = _line / 2;
            var cpu = pair % 4;
            var ns = 100_000_000_000L + (pair * 5_000L) + (_line % 2 * 3_000L);
            var irq = 24 + cpu;
            var line = _line % 2 == 0
                ? string.Create(CultureInfo.InvariantCulture, $"          <idle>-0       [{cpu:D3}] d.h1. {ns / 1_000_000_000}.{ns / 1000 % 1_000_000:D6}: irq_handler_entry: irq={irq} name=eth{cpu}")
                : string.Create(CultureInfo.InvariantCulture, $"          <idle>-0       [{cpu:D3}] d.h1. {ns / 1_000_000_000}.{ns / 1000 % 1_000_000:D6}: irq_handler_exit: irq={irq} ret=handled");
            _line++;
            return line;
        }
    }
}
