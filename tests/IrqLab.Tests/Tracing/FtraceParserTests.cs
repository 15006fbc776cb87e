using IrqLab.Tracing.Replay;
using Xunit;

namespace IrqLab.Tests.Tracing;

/// <summary>FtraceParser on captures modelled on the real examples of shared/reference/trace-formats.md §3.</summary>
public sealed class FtraceParserTests
{
    private static IReadOnlyList<FtraceRecord> ParseFile(string name)
    {
        using var reader = TracingData.Open(name);
        return FtraceParser.Parse(reader);
    }

    [Fact]
    public void Trace_file_6x_skips_the_header_and_reads_every_event_line()
    {
        var records = ParseFile("ftrace-irq-6x.txt");
        Assert.Equal(21, records.Count);
        Assert.Equal(13, records[0].Line);
        Assert.Equal(33, records[^1].Line);
    }

    [Theory]
    [InlineData(13, 6, 1_523_104_512_000L, "irq_handler_entry", 137, null, "nvme0q1", null)]
    [InlineData(14, 6, 1_523_104_519_000L, "irq_handler_exit", 137, null, null, "handled")]
    [InlineData(15, 0, 1_523_104_600_000L, "local_timer_entry", null, 236, null, null)]
    [InlineData(18, 3, 1_523_104_651_000L, "reschedule_exit", null, 253, null, null)]
    [InlineData(19, 3, 1_523_104_655_000L, "sched_switch", null, null, null, null)]
    [InlineData(23, 8, 1_523_104_801_000L, "irq_handler_exit", 17, null, null, "unhandled")]
    [InlineData(24, 8, 1_523_104_801_000L, "irq_handler_entry", 17, null, "i2c_designware.1", null)]
    [InlineData(26, 1, 1_523_104_900_000L, "softirq_entry", null, 1, "TIMER", null)]
    [InlineData(27, 1, 1_523_104_910_000L, "local_timer_entry", null, 236, null, null)]
    [InlineData(30, 2, 1_523_105_000_000L, "call_function_single_entry", null, 251, null, null)]
    public void Trace_file_6x_records(int line, int cpu, long ns, string ev, int? irq, int? vector, string? name, string? ret)
    {
        var record = ParseFile("ftrace-irq-6x.txt").Single(r => r.Line == line);
        Assert.Equal(new FtraceRecord(cpu, ns, ev, irq, vector, name, ret, line), record);
    }

    [Fact]
    public void Trace_cmd_report_skips_preamble_and_accepts_missing_flags_and_padded_names_trace_cmd_report_1()
    {
        var records = ParseFile("trace-cmd-report.txt");
        Assert.Equal(8, records.Count);
        Assert.Equal(new FtraceRecord(3, 29_704_387_000, "call_function_single_entry", null, 251, null, null, 4), records[0]);
        Assert.Equal(new FtraceRecord(1, 29_704_402_000, "local_timer_entry", null, 236, null, null, 6), records[2]);
        Assert.Equal(new FtraceRecord(0, 29_704_500_000, "irq_handler_entry", 48, null, "eth0", null, 8), records[4]);
        Assert.Equal(new FtraceRecord(0, 29_704_540_000, "softirq_exit", null, 3, "NET_RX", null, 11), records[7]);
    }

    [Fact]
    public void Trace_pipe_with_tgid_and_four_flags_marks_lost_events_and_keeps_names_with_spaces()
    {
        var records = ParseFile("ftrace-pipe-tgid.txt");
        Assert.Equal(9, records.Count);
        Assert.Equal(new FtraceRecord(1, 8_811_000_961_000, FtraceParser.LostEvent, null, null, null, null, 4, 12), records[3]);
        Assert.Equal(new FtraceRecord(2, 8_811_000_950_000, "irq_handler_entry", 24, null, "ahci[0000:00:17.0]", null, 2), records[1]);
        Assert.Equal(new FtraceRecord(1, 8_811_002_040_000, "irq_handler_entry", 48, null, "PCIe PME", null, 7), records[6]);
    }

    [Theory]
    [InlineData("  <idle>-0     [007] d.h1.  1097.219322: irq_handler_entry:    irq=19 name=arch_timer", 7, 1_097_219_322_000L, "irq_handler_entry")] // LKML cpuidle/teo
    [InlineData("    rcuop/6-54  [000] d.h2  183.752989: irq_handler_entry:    irq=85 name=i2c_geni", 0, 183_752_989_000L, "irq_handler_entry")] // LKML RCU latency, 4 flags
    [InlineData("    rcuop/6-54  [000] dNh2  183.753015: irq_handler_exit:     irq=85 ret=handled", 0, 183_753_015_000L, "irq_handler_exit")]
    [InlineData("  phc2sys-1655  [010]   103.233932: local_timer_entry: vector=236", 10, 103_233_932_000L, "local_timer_entry")] // LKML ptp
    [InlineData("kworker/5:2-eve 429543 [005] 108229.924136:         irq:irq_handler_entry: irq=30 name=eth0", 5, 108_229_924_136_000L, "irq_handler_entry")] // perf script
    [InlineData("          <idle>-0     [003]    29.704387123: call_function_single_entry: vector=251", 3, 29_704_387_123L, "call_function_single_entry")] // trace-cmd report -t
    [InlineData("          <idle>-0     [003]    29.704387 (+4): call_function_single_entry: vector=251", 3, 29_704_387_000L, "call_function_single_entry")] // --ts-diff
    [InlineData("          <idle>-0     [002] ..Zff    7.024822: local_timer_exit: vector=236", 2, 7_024_822_000L, "local_timer_exit")] // hex preempt depth
    [InlineData("    <idle>-0       1d..h1.. 2563695110us : local_timer_entry: vector=236", 1, 2_563_695_110_000L, "local_timer_entry")] // latency format
    public void Real_line_shapes_from_the_reference(string line, int cpu, long ns, string ev)
    {
        var r = FtraceParser.ParseLine(line, 1);
        Assert.Equal(cpu, r.Cpu);
        Assert.Equal(ns, r.TimeNs);
        Assert.Equal(ev, r.Event);
    }

    /// <summary>
    /// The function tracer's lines (trace_fn_trace(), kernel/trace/trace_output.c: "%ps" and, with options/print-parent,
    /// " &lt;-%ps"; "%ps" of a module symbol prints " [module]" after the name) between irq events of the same capture
    /// are read as <c>function</c> records, which count nothing.
    /// </summary>
    [Theory]
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: __sysvec_apic_timer_interrupt <-sysvec_apic_timer_interrupt", 0, 1_523_104_600_000L)]
    [InlineData("          <idle>-0       [003] d.h1.  1523.104601: e1000_intr [e1000e] <-__handle_irq_event_percpu", 3, 1_523_104_601_000L)]
    [InlineData("            bash-1977    [001] ...1.   101.000000: nvme_irq [nvme] <-handle_irq_thread [foo]", 1, 101_000_000_000L)]
    [InlineData("          <idle>-0     [002]    29.704387: irq_enter_rcu <-sysvec_call_function_single", 2, 29_704_387_000L)] // trace-cmd report
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: handle_edge_irq(desc=0xffff888100a3c000) <-__common_interrupt", 0, 1_523_104_600_000L)] // func-args
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: _raw_spin_lock <-handle_edge_irq (repeats: 2, last_ts:  1523.104601)", 0, 1_523_104_600_000L)] // func-repeats
    public void Function_tracer_lines_are_function_records_trace_fn_trace(string line, int cpu, long ns)
    {
        var r = FtraceParser.ParseLine(line, 7);
        Assert.Equal(FtraceParser.FunctionEvent, r.Event);
        Assert.Equal(cpu, r.Cpu);
        Assert.Equal(ns, r.TimeNs);
        Assert.Null(r.Irq);
        Assert.Null(r.Vector);
        Assert.Equal(7, r.Line);
    }

    [Fact]
    public void Function_tracer_lines_inside_a_handler_leave_the_counts_alone()
    {
        const string text = "# tracer: function\n" +
            "          <idle>-0       [000] d.h1.  1523.104600: irq_handler_entry: irq=30 name=eth0\n" +
            "          <idle>-0       [000] d.h1.  1523.104601: e1000_intr [e1000e] <-__handle_irq_event_percpu\n" +
            "          <idle>-0       [000] d.h1.  1523.104602: irq_handler_exit: irq=30 ret=handled\n" +
            "          <idle>-0       [000] d.h1.  1523.104603: note_interrupt <-handle_irq_event\n" +
            "          <idle>-0       [000] d.h1.  1523.104604: irq_handler_entry: irq=30 name=eth0\n" +
            "          <idle>-0       [000] d.h1.  1523.104605: irq_handler_exit: irq=30 ret=handled\n";
        var report = IrqLab.Tracing.Replay.Replay.FromFtrace(FtraceParser.Parse(new StringReader(text)));
        Assert.Equal([2UL], report.FindRow("30")!.Counts);
        Assert.Equal(0, report.UnmatchedEntries);
        Assert.Equal(0, report.UnmatchedExits);
    }

    [Theory]
    [InlineData("  <idle>-0  [000] d.h.  12.000001: irq_handler_entry: irq=5 handler=eth0", 5, "eth0", null)]
    [InlineData("  <idle>-0  [000] d.h.  12.000002: irq_handler_exit: irq=5 return=handled", 5, null, "handled")]
    public void Old_2_6_field_names_are_accepted_irq_h(string line, int irq, string? name, string? ret)
    {
        var r = FtraceParser.ParseLine(line, 1);
        Assert.Equal(irq, r.Irq);
        Assert.Equal(name, r.Name);
        Assert.Equal(ret, r.Ret);
    }

    /// <summary>show_softirq_name(): every vector's own name, and vector 5's name before Linux 4.5 (BLOCK_IOPOLL).</summary>
    [Theory]
    [InlineData(0, "HI")]
    [InlineData(3, "NET_RX")]
    [InlineData(5, "IRQ_POLL")]
    [InlineData(5, "BLOCK_IOPOLL")]
    [InlineData(9, "RCU")]
    public void Softirq_vector_with_its_own_name_is_accepted_irq_h(int vec, string action)
    {
        var r = FtraceParser.ParseLine($"  <idle>-0  [000] ..s1.  12.000001: softirq_entry: vec={vec} [action={action}]", 1);
        Assert.Equal(vec, r.Vector);
        Assert.Equal(action, r.Name);
    }

    [Fact]
    public void Softirq_raw_output_without_action_is_accepted_trace_cmd_R()
    {
        var r = FtraceParser.ParseLine("  <idle>-0  [000] ..s1.  12.000001: softirq_entry: vec=9", 1);
        Assert.Equal(9, r.Vector);
        Assert.Null(r.Name);
    }

    [Theory]
    [InlineData("          <idle>-0       [000] d.h1.  1523.1046", "expected '<task>-<pid>")] // truncated in the timestamp
    [InlineData("          <idle>-0       [000] d.h1.  1523.1046: local_timer_entry: vector=236", "fraction digits")] // timestamp cut to 4 digits
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: local_timer_en", "expected '<task>-<pid>")]
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: irq_handler_entry: irq=137", "expected 'irq=<int> name=<action>'")]
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: irq_handler_exit: irq=137 ret=hand", "expected 'irq=<int> ret=handled|unhandled'")]
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: irq_handler_entry: irq=x name=eth0", "expected 'irq=<int> name=<action>'")]
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: irq_handler_entry: irq=-1 name=eth0", "irq_handler_entry: irq=-1 is not a Linux irq number")] // kernel/irq/handle.c: unsigned irq_data.irq
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: irq_handler_exit: irq=-2147483648 ret=handled", "irq_handler_exit: irq=-2147483648 is not a Linux irq number")]
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: local_timer_entry: vector=0xec", "expected 'vector=<int>'")]
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: reschedule_exit:", "expected 'vector=<int>'")]
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: softirq_entry: vec=TIMER", "expected 'vec=<n>")]
    // include/trace/events/irq.h: vec < NR_SOFTIRQS (10), action = show_softirq_name(vec).
    [InlineData("          <idle>-0       [000] ..s1.  1523.104600: softirq_entry: vec=10 [action=TIMER]", "softirq_entry: vec=10 is not a softirq (0-9")]
    [InlineData("          <idle>-0       [000] ..s1.  1523.104600: softirq_exit: vec=4294", "softirq_exit: vec=4294 is not a softirq")]
    [InlineData("          <idle>-0       [000] ..s1.  1523.104600: softirq_entry: vec=1 [action=NET_RX]", "softirq_entry: vec=1 is TIMER, not action=NET_RX")]
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: softirq_raise: vec=5 [action=BLOCK]", "softirq_raise: vec=5 is IRQ_POLL, not action=BLOCK")]
    [InlineData("          <idle>-0       [0x1] d.h1.  1523.104600: local_timer_entry: vector=236", "expected '<task>-<pid>")]
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600 local_timer_entry: vector=236", "expected '<task>-<pid>")]
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: irq_handler_entry: irq=99999999999 name=x", "32-bit integer")]
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: local_timer_entry: vector=999", "vector=999 is not an x86 vector (0-255)")] // SDM 3A 6.2
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: reschedule_exit: vector=-1", "vector=-1 is not an x86 vector (0-255)")]
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: my_driver_entry: vector=256", "vector=256 is not an x86 vector (0-255)")]
    [InlineData("          <idle>-0     [003]    29.704387: call_function_single_entry: (+4) vector=251", "expected 'vector=<int>'")] // delta misplaced
    [InlineData("          <idle>-0       [000] d.h1. 5219738209845: local_timer_entry: vector=236", "raw clock count")] // x86-tsc: " %12llu"
    [InlineData("          <idle>-0       [000]  5219738209845: local_timer_entry: vector=236", "raw clock count")] // counter, no flags
    [InlineData("          <idle>-0     [000]5219738209845: local_timer_entry:    vector=236", "raw clock count")] // trace-cmd report, x86-tsc: "[%03d]" then "%12d:" (trace-read.c)
    [InlineData("          <idle>-0     [000]5219738209845: (+3100)  local_timer_entry:    vector=236", "raw clock count")] // and --ts-diff
    [InlineData("          <idle>-0       [000] d.h1.  1523.104600: __sysvec_apic_timer_interrupt", "expected '<task>-<pid>")] // function line without parent, or cut
    [InlineData("hello world", "expected '<task>-<pid>")]
    [InlineData("  <idle>-0  [000", "expected '<task>-<pid>")]
    public void Garbled_or_truncated_line_is_an_error_with_its_line_number(string bad, string expected)
    {
        var text = "# tracer: nop\n          <idle>-0       [000] d.h1.  1523.104600: local_timer_entry: vector=236\n" + bad + "\n";
        var ex = Assert.Throws<ReplayFormatException>(() => FtraceParser.Parse(new StringReader(text)));
        Assert.Equal(3, ex.Line);
        Assert.StartsWith("line 3: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// One /proc/interrupts snapshot given alone: its header row (show_interrupts() prints "CPU0 CPU1 ...") is named for
    /// what it is, with the two-snapshot form, instead of the ftrace line shape it does not match.
    /// </summary>
    [Fact]
    public void A_proc_interrupts_snapshot_alone_is_named_as_such()
    {
        var text = "           CPU0       CPU1       \n  0:         44          0   IO-APIC   2-edge      timer\n";
        var ex = Assert.Throws<ReplayFormatException>(() => FtraceParser.Parse(new StringReader(text)));

        Assert.Equal(1, ex.Line);
        Assert.Contains("this is a /proc/interrupts snapshot, not an ftrace capture", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Crlf_line_ends_are_accepted()
    {
        var records = FtraceParser.Parse(new StringReader("# tracer: nop\r\n  <idle>-0  [001] d.h1.  5.000001: irq_handler_entry: irq=9 name=acpi\r\n"));
        Assert.Equal(new FtraceRecord(1, 5_000_001_000, "irq_handler_entry", 9, null, "acpi", null, 2), Assert.Single(records));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("# entries-in-buffer/entries-written: 16/16   #P:8")]
    [InlineData("##### CPU 2 buffer started ####")]
    [InlineData("version = 6")]
    [InlineData("CPU 3 is empty")]
    [InlineData("cpus=8")]
    public void Comment_header_and_preamble_lines_are_skipped(string line)
    {
        Assert.Empty(FtraceParser.Parse(new StringReader("# tracer: nop\n" + line + "\n")));
    }

    /// <summary>
    /// kernel/trace/trace.c print_trace_line(): <c>CPU:%d [LOST %lu EVENTS]</c>, or <c>CPU:%d [LOST EVENTS]</c> when the
    /// ring buffer does not know how many (the <c>trace</c> file overwritten while read), before the CPU's first event
    /// after the gap. The second form was an error (exit 2) on a real capture; both are lost-events records carrying the
    /// CPU, the count (0 when unknown) and the previous record's time.
    /// </summary>
    [Theory]
    [InlineData("CPU:1 [LOST 12 EVENTS]", 1, 12L)]
    [InlineData("CPU:3 [LOST EVENTS]", 3, 0L)]
    [InlineData("CPU:12 [LOST 4294967296 EVENTS]", 12, 4_294_967_296L)]
    public void Lost_events_markers_are_records_of_their_cpu_trace_c_print_trace_line(string marker, int cpu, long lost)
    {
        var records = FtraceParser.Parse(new StringReader(
            "# tracer: nop\n          <idle>-0       [000] d.h1.  1523.104600: local_timer_entry: vector=236\n" + marker + "\n"));

        Assert.Equal(2, records.Count);
        Assert.Equal(new FtraceRecord(cpu, 1_523_104_600_000L, FtraceParser.LostEvent, null, null, null, null, 3, lost), records[1]);
    }

    /// <summary>
    /// trace-cmd report's own marker of a ring-buffer gap: trace_show_data() (rostedt/trace-cmd tracecmd/trace-read.c)
    /// prints <c>CPU:%d [%lld EVENTS DROPPED]</c>, or <c>CPU:%d [EVENTS DROPPED]</c> when the count is unknown, before
    /// the CPU's first event after the gap, as the kernel prints <c>[LOST ... EVENTS]</c>. Both were garbled lines
    /// (exit 2) on a capture the docs say replay reads.
    /// </summary>
    [Theory]
    [InlineData("CPU:7 [204600 EVENTS DROPPED]", 7, 204_600L)]
    [InlineData("CPU:0 [EVENTS DROPPED]", 0, 0L)]
    public void Trace_cmd_events_dropped_markers_are_lost_events_records_trace_read_c_trace_show_data(string marker, int cpu, long lost)
    {
        var records = FtraceParser.Parse(new StringReader(
            "cpus=8\n          <idle>-0     [000]    29.704387: local_timer_entry:    vector=236\n" + marker + "\n"));

        Assert.Equal(2, records.Count);
        Assert.Equal(new FtraceRecord(cpu, 29_704_387_000L, FtraceParser.LostEvent, null, null, null, null, 3, lost), records[1]);
    }

    /// <summary>
    /// A trace-cmd report capture with a gap replays as one with the kernel's marker: the entry open on CPU 0 at the
    /// gap is not paired with the exit after it, and the note says that CPU lost events.
    /// </summary>
    [Fact]
    public void A_trace_cmd_report_with_dropped_events_replays_the_gap_trace_read_c_trace_show_data()
    {
        const string text = "cpus=2\n" +
            "          <idle>-0     [000]    29.704387: irq_handler_entry:    irq=48 name=eth0\n" +
            "          <idle>-0     [001]    29.704390: (+3)     local_timer_entry:    vector=236\n" +
            "CPU:0 [EVENTS DROPPED]\n" +
            "          <idle>-0     [000]    29.804600: (+100210) irq_handler_exit:     irq=48 ret=handled\n" +
            "          <idle>-0     [001]    29.804610: (+10)    local_timer_exit:     vector=236\n";

        var report = IrqLab.Tracing.Replay.Replay.FromFtrace(new StringReader(text), keepEvents: false);

        Assert.Equal(1, report.UnmatchedEntries);
        Assert.Equal(1, report.UnmatchedExits);
        Assert.Equal([1UL, 0UL], report.FindRow("48")!.Counts);
        Assert.StartsWith("CPU0: the ring buffer lost events", report.Notes[0], StringComparison.Ordinal);
    }

    /// <summary>
    /// trace-cmd report's line (trace_show_data(), tracecmd/trace-read.c): the time format ends in its colon
    /// (<c>" %6.1000d:"</c>, <c>" %9.1d:"</c> with <c>-t</c>), <c>--ts-diff</c> then prints <c>" %-8s"</c> of
    /// <c>"(+delta)"</c> (blank on the first record), then <c>" %s: "</c> and the event name padded to 20; <c>-l</c>
    /// prints <c>"%8.8s-%-5d %3d"</c> and the latency flags instead of <c>[%03d]</c>, then the same timestamp. These
    /// lines were garbled (exit 2).
    /// </summary>
    [Theory]
    [InlineData("          <idle>-0     [003]    29.704387: (+4)     call_function_single_entry: vector=251", 3, 29_704_387_000L, "call_function_single_entry", 251)]
    [InlineData("          <idle>-0     [003]    29.704387:          call_function_single_entry: vector=251", 3, 29_704_387_000L, "call_function_single_entry", 251)]
    [InlineData("          <idle>-0     [001]    29.704387123: (+4000)  local_timer_entry:    vector=236", 1, 29_704_387_123L, "local_timer_entry", 236)]
    [InlineData("  <idle>-0       0d.h1. 106467.859747: local_timer_entry:    vector=236", 0, 106_467_859_747_000L, "local_timer_entry", 236)]
    [InlineData("kworker/-4711  12d.h1. 106467.859747: (+12)    reschedule_entry:     vector=253", 12, 106_467_859_747_000L, "reschedule_entry", 253)]
    public void Trace_cmd_report_ts_diff_and_latency_lines_trace_read_c_trace_show_data(string line, int cpu, long ns, string ev, int vector)
    {
        var r = FtraceParser.ParseLine(line, 1);

        Assert.Equal(new FtraceRecord(cpu, ns, ev, null, vector, null, null, 1), r);
    }

    /// <summary>
    /// An empty file (a zero-byte capture, or only blank lines) is not a capture with no events, which has at least the
    /// header of /sys/kernel/tracing/trace: it is an error at line 1, as an empty snapshot
    /// (<c>ProcInterruptsParser</c>) and an empty scenario (SCENARIOS.md §10 Errors) are. It gave an empty report, exit 0.
    /// </summary>
    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("   \n\n\t\n")]
    public void An_empty_file_is_an_error_not_an_empty_report(string text)
    {
        var ex = Assert.Throws<ReplayFormatException>(() => FtraceParser.Parse(new StringReader(text)));

        Assert.Equal(1, ex.Line);
        Assert.Contains("the file is empty", ex.Message, StringComparison.Ordinal);
    }
}
