using System.Text.Json;
using IrqLab.Tracing;
using IrqLab.Tracing.Replay;
using Xunit;

namespace IrqLab.Tests.Tracing;

/// <summary>Replay of ftrace captures and /proc/interrupts snapshots (rates, latency histograms, rebuilt events).</summary>
public sealed class ReplayTests
{
    private static ReplayReport FromFile(string name)
    {
        using var reader = TracingData.Open(name);
        return Replay.FromFtrace(FtraceParser.Parse(reader));
    }

    private static ProcInterruptsSnapshot Snapshot(string name)
    {
        using var reader = TracingData.Open(name);
        return ProcInterruptsParser.Parse(reader);
    }

    [Theory]
    [InlineData(0L, 0)]
    [InlineData(1L, 0)]
    [InlineData(2L, 1)]
    [InlineData(3L, 1)]
    [InlineData(1023L, 9)]
    [InlineData(1024L, 10)]
    [InlineData(5000L, 12)]
    [InlineData(8191L, 12)]
    [InlineData(8192L, 13)]
    [InlineData(long.MaxValue, 62)]
    public void Latency_bucket_is_floor_log2_ns(long ns, int bucket)
    {
        Assert.Equal(bucket, LatencyHistogram.BucketOf(ns));
        Assert.InRange(ns, LatencyHistogram.BucketLowNs(bucket), bucket == 62 ? long.MaxValue : LatencyHistogram.BucketHighNs(bucket) - 1);
    }

    [Fact]
    public void Ftrace_rows_count_handler_runs_per_cpu_under_their_proc_interrupts_label()
    {
        var report = FromFile("ftrace-irq-6x.txt");
        Assert.Equal([0, 1, 2, 3, 6, 8], report.Cpus);
        Assert.Equal(["17", "137", "151", "LOC", "RES", "CAL"], report.Rates.Select(r => r.Row));
        Assert.Equal([2UL, 1UL, 0UL, 0UL, 0UL, 0UL], report.FindRow("LOC")!.Counts);
        // Two actions of shared irq 17 back to back are one interrupt (kernel/irq/handle.c, one kstat increment).
        Assert.Equal([0UL, 0UL, 0UL, 0UL, 0UL, 1UL], report.FindRow("17")!.Counts);
        Assert.Equal("idma64.1, i2c_designware.1", report.FindRow("17")!.Name);
        Assert.Equal("call_function_single", report.FindRow("CAL")!.Name);

        // Span of the capture: 1523.104512 .. 1523.105609 = 1097 µs.
        Assert.Equal(1097e-6, report.IntervalSeconds, 12);
        Assert.Equal(3 / 1097e-6, report.FindRow("LOC")!.TotalRate, 6);
        Assert.Equal(2 / 1097e-6, report.FindRow("LOC")!.Rates[0], 6);
    }

    [Theory]
    [InlineData("vector", "local_timer", null, 236, 3L, 5_000L, 9_000L, new long[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1 })]
    [InlineData("irq", "idma64.1", 17, null, 1L, 1_000L, 1_000L, new long[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 })]
    [InlineData("irq", "i2c_designware.1", 17, null, 1L, 4_000L, 4_000L, new long[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 })]
    [InlineData("softirq", "TIMER", null, 1, 1L, 30_000L, 30_000L, new long[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 })]
    public void Ftrace_latency_histograms_per_handler(string kind, string handler, int? irq, int? vector, long count, long min, long max, long[] buckets)
    {
        var h = FromFile("ftrace-irq-6x.txt").Histograms.Single(x => x.Kind == kind && x.Handler == handler);
        Assert.Equal(irq, h.Irq);
        Assert.Equal(vector, h.Vector);
        Assert.Equal(count, h.Count);
        Assert.Equal(min, h.MinNs);
        Assert.Equal(max, h.MaxNs);
        Assert.Equal(buckets, h.Buckets);
    }

    [Fact]
    public void Same_irq_again_after_another_event_is_a_new_interrupt()
    {
        IReadOnlyList<FtraceRecord> records =
        [
            new(0, 1_000, "irq_handler_entry", 17, null, "a", null, 1),
            new(0, 2_000, "irq_handler_exit", 17, null, null, "unhandled", 2),
            new(0, 2_000, "irq_handler_entry", 17, null, "b", null, 3),
            new(0, 3_000, "irq_handler_exit", 17, null, null, "handled", 4),
            new(0, 4_000, "local_timer_entry", null, 236, null, null, 5),
            new(0, 5_000, "local_timer_exit", null, 236, null, null, 6),
            new(0, 6_000, "irq_handler_entry", 17, null, "a", null, 7),
            new(0, 7_000, "irq_handler_exit", 17, null, null, "handled", 8),
            new(1, 7_500, "irq_handler_entry", 17, null, "a", null, 9),
            new(1, 8_000, "irq_handler_exit", 17, null, null, "handled", 10),
        ];
        var row = Replay.FromFtrace(records).FindRow("17")!;
        Assert.Equal([2UL, 1UL], row.Counts);
        Assert.Equal("a, b", row.Name);
    }

    [Fact]
    public void Two_interrupts_of_one_action_back_to_back_count_twice()
    {
        // Audit round 2, finding 1: two eth0 interrupts 400 µs apart with nothing else traced on the CPU. The second
        // entry's action already ran in the first interrupt, so it is a new interrupt (kernel/irq/handle.c
        // __handle_irq_event_percpu runs each action once per interrupt): 2 kstat increments, not 1.
        var report = Replay.FromFtrace(FtraceParser.Parse(new StringReader("""
                      <idle>-0       [000] d.h1.   100.000100: irq_handler_entry: irq=48 name=eth0
                      <idle>-0       [000] d.h1.   100.000102: irq_handler_exit: irq=48 ret=handled
                      <idle>-0       [000] d.h1.   100.000500: irq_handler_entry: irq=48 name=eth0
                      <idle>-0       [000] d.h1.   100.000503: irq_handler_exit: irq=48 ret=handled
            """)));
        Assert.Equal([2UL], report.FindRow("48")!.Counts);
        Assert.Equal(2, report.Histograms.Single(h => h.Handler == "eth0").Count);
    }

    [Fact]
    public void Shared_line_counts_each_interrupt_once_however_many_actions_run()
    {
        // __handle_irq_event_percpu: one entry/exit pair per action, back to back, one kstat increment per interrupt.
        // Three interrupts of shared irq 18 at the same timestamps (FtraceWriter prints every action at the entry time):
        // the actions a, b of one interrupt count once; a seen again starts the next interrupt.
        IReadOnlyList<FtraceRecord> records =
        [
            new(0, 1_000, "irq_handler_entry", 18, null, "a", null, 1),
            new(0, 1_000, "irq_handler_exit", 18, null, null, "handled", 2),
            new(0, 1_000, "irq_handler_entry", 18, null, "b", null, 3),
            new(0, 1_000, "irq_handler_exit", 18, null, null, "unhandled", 4),
            new(0, 1_000, "irq_handler_entry", 18, null, "a", null, 5),
            new(0, 1_000, "irq_handler_exit", 18, null, null, "handled", 6),
            new(0, 1_000, "irq_handler_entry", 18, null, "b", null, 7),
            new(0, 1_000, "irq_handler_exit", 18, null, null, "unhandled", 8),
            new(0, 5_000, "irq_handler_entry", 18, null, "a", null, 9),
            new(0, 5_000, "sched_waking", null, null, null, null, 10),
            new(0, 6_000, "irq_handler_exit", 18, null, null, "handled", 11),
            new(0, 6_000, "sched_waking", null, null, null, null, 12),
            new(0, 6_000, "irq_handler_entry", 18, null, "b", null, 13),
            new(0, 7_000, "irq_handler_exit", 18, null, null, "handled", 14),
        ];
        var report = Replay.FromFtrace(records);
        Assert.Equal([3UL], report.FindRow("18")!.Counts);
        Assert.Equal("a, b", report.FindRow("18")!.Name);
    }

    [Fact]
    public void Ftrace_events_are_rebuilt_in_time_order_with_nesting_depth()
    {
        var report = FromFile("ftrace-irq-6x.txt");
        Assert.Equal(20, report.Events.Count);
        Assert.Equal(0, report.UnmatchedEntries);
        Assert.Equal(0, report.UnmatchedExits);
        for (var i = 1; i < report.Events.Count; i++)
        {
            Assert.True(report.Events[i].TimeNs >= report.Events[i - 1].TimeNs);
        }

        var nested = report.Events.Single(e => e.Cpu == 1 && e.Kind == TraceEventKind.HandlerEntry && e.Vector == 236);
        Assert.Equal(1, nested.Depth);
        Assert.Equal("sysvec_apic_timer_interrupt", nested.Name);
        var unhandled = report.Events.First(e => e.Kind == TraceEventKind.HandlerExit && e.Irq == 17);
        Assert.Equal(0, unhandled.Value);
        Assert.Equal("idma64.1", unhandled.Name);
    }

    [Fact]
    public void Ftrace_replay_feeds_ChromeTraceWriter()
    {
        var report = FromFile("ftrace-irq-6x.txt");
        using var stream = new MemoryStream();
        using (var writer = new ChromeTraceWriter(stream, report.CpuCount, "ftrace-irq-6x"))
        {
            foreach (var e in report.Events)
            {
                writer.Write(e);
            }

            writer.Complete(report.Events[^1].TimeNs);
        }

        var check = new ChromeTraceCheck(stream.ToArray());
        Assert.Equal(10, check.Slices);
        Assert.Equal(2, check.MaxDepth);
        Assert.Equal(["CPU 0", "CPU 1", "CPU 2", "CPU 3", "CPU 6", "CPU 8"], check.ThreadNames.OrderBy(kv => kv.Key).Select(kv => kv.Value));
    }

    [Fact]
    public void Capture_cut_inside_handlers_counts_unmatched_entries_and_exits()
    {
        var report = FromFile("ftrace-pipe-tgid.txt");
        Assert.Equal(1, report.UnmatchedExits);
        Assert.Equal(1, report.UnmatchedEntries);
        Assert.Equal(3, report.Notes.Count);
        Assert.StartsWith("CPU1: the ring buffer lost 12 event(s)", report.Notes[0], StringComparison.Ordinal);
        Assert.Equal(8, report.Records);
        Assert.Equal(7, report.Events.Count);
        Assert.Equal([1UL, 0UL], report.FindRow("48")!.Counts);
        Assert.Equal([0UL, 1UL], report.FindRow("LOC")!.Counts);
    }

    [Fact]
    public void Entry_that_never_exits_under_a_later_exit_is_dropped_not_guessed()
    {
        IReadOnlyList<FtraceRecord> records =
        [
            new(0, 1_000, "irq_handler_entry", 27, null, "eth0", null, 1),
            new(0, 2_000, "local_timer_entry", null, 236, null, null, 2),
            new(0, 3_000, "irq_handler_exit", 27, null, null, "handled", 3),
        ];
        var report = Replay.FromFtrace(records);
        Assert.Equal(1, report.UnmatchedEntries);
        Assert.Equal([TraceEventKind.HandlerEntry, TraceEventKind.HandlerExit], report.Events.Select(e => e.Kind));
        Assert.Equal(2_000, Assert.Single(report.Histograms).MaxNs);
    }

    /// <summary>
    /// A lost-events marker (kernel/trace/trace.c print_trace_line(), <c>CPU:%d [LOST %lu EVENTS]</c>) is a gap in that
    /// CPU's events: the exit after it may close an entry lost in the gap, so the entry before it is not paired with it
    /// (that made a 500 ms sample of a 10 µs handler) but left unmatched, and the report says events were lost. Other
    /// CPUs pair across it; the marker is no record and spans no time.
    /// </summary>
    [Theory]
    [InlineData(12L, "CPU1: the ring buffer lost 12 event(s)")]
    [InlineData(0L, "CPU1: the ring buffer lost events")]
    public void Lost_events_on_a_cpu_break_its_pairs_and_are_noted_trace_c_print_trace_line(long lost, string note)
    {
        IReadOnlyList<FtraceRecord> records =
        [
            new(1, 1_000_000, "irq_handler_entry", 25, null, "eth0", null, 1),
            new(0, 1_000_000, "irq_handler_entry", 26, null, "eth1", null, 2),
            new(1, 1_000_000, FtraceParser.LostEvent, null, null, null, null, 3, lost),
            new(0, 1_010_000, "irq_handler_exit", 26, null, null, "handled", 4),
            new(1, 501_000_000, "irq_handler_exit", 25, null, null, "handled", 5),
            new(1, 502_000_000, "local_timer_entry", null, 236, null, null, 6),
            new(1, 502_010_000, "local_timer_exit", null, 236, null, null, 7),
        ];
        var report = Replay.FromFtrace(records);

        Assert.Equal(1, report.UnmatchedEntries);
        Assert.Equal(1, report.UnmatchedExits);
        Assert.DoesNotContain(report.Histograms, h => h.Irq == 25);
        Assert.Equal(10_000, report.Histograms.Single(h => h.Irq == 26).MaxNs);
        Assert.Equal(10_000, report.Histograms.Single(h => h.Vector == 236).MaxNs);
        Assert.Equal([0UL, 1UL], report.FindRow("25")!.Counts);
        Assert.Equal([0, 1], report.Cpus);
        Assert.Equal(6, report.Records);
        Assert.Equal(0.50101, report.IntervalSeconds, 9);
        Assert.StartsWith(note, report.Notes[0], StringComparison.Ordinal);
        Assert.DoesNotContain(report.Events, e => e.Cpu == 1 && e.TimeNs == 1_000_000);
    }

    /// <summary>
    /// kernel/irq/handle.c <c>__handle_irq_event_percpu</c>: one kstat count per interrupt. A handler nested inside the
    /// action's entry/exit pair (an irq_work vector, another irq) does not make the same action's next entry a second
    /// action of the first interrupt: irq 1 ran twice, so it counts 2.
    /// </summary>
    [Theory]
    [InlineData("irq_work_entry", "irq_work_exit", null)]
    [InlineData("irq_handler_entry", "irq_handler_exit", 9)]
    public void A_handler_nested_inside_an_action_does_not_merge_the_next_interrupt_of_the_line(string nestedEntry, string nestedExit, int? nestedIrq)
    {
        int? vector = nestedIrq is null ? 246 : null;
        var nestedName = nestedIrq is null ? null : "acpi";
        IReadOnlyList<FtraceRecord> records =
        [
            new(0, 1_000, "irq_handler_entry", 1, null, "dev0", null, 1),
            new(0, 1_100, nestedEntry, nestedIrq, vector, nestedName, null, 2),
            new(0, 1_200, nestedExit, nestedIrq, vector, null, nestedIrq is null ? null : "handled", 3),
            new(0, 1_300, "irq_handler_exit", 1, null, null, "handled", 4),
            new(0, 41_000, "irq_handler_entry", 1, null, "dev0", null, 5),
            new(0, 41_100, "irq_handler_exit", 1, null, null, "handled", 6),
        ];
        var report = Replay.FromFtrace(records);
        Assert.Equal([2UL], report.FindRow("1")!.Counts);
        Assert.Equal(0, report.UnmatchedEntries);
        Assert.Equal(0, report.UnmatchedExits);
    }

    [Fact]
    public void Snapshot_rates_are_delta_over_interval()
    {
        var report = Replay.FromSnapshots(Snapshot("proc-interrupts-6.14-before.txt"), Snapshot("proc-interrupts-6.14-after.txt"), 2.0);
        Assert.Equal(Enumerable.Range(0, 12), report.Cpus);
        var loc = report.FindRow("LOC")!;
        Assert.Equal([2000UL, 1900UL, 2100UL, 1800UL, 1700UL, 1600UL, 4UL, 10UL, 4UL, 4UL, 2UL, 2UL], loc.Counts);
        Assert.Equal(1000.0, loc.Rates[0]);
        Assert.Equal(11126 / 2.0, loc.TotalRate);
        Assert.Equal("Local timer interrupts", loc.Name);
        Assert.Equal(2500.0, report.FindRow("137")!.Rates[6]);
        Assert.Equal("nvme0q1", report.FindRow("137")!.Name);
        Assert.Equal(0UL, report.FindRow("SPU")!.Total);
        Assert.Equal([0UL], report.FindRow("ERR")!.Counts);
        Assert.Empty(report.Notes);
    }

    [Fact]
    public void Snapshot_counter_that_wrapped_past_2_32_is_diffed_modulo_2_32_trace_formats_4_1()
    {
        // trace-formats.md §4.1: counts are unsigned int (%10u) and can wrap; "Importers: accept the full u32 range and
        // diff modulo 2^32". Audit round 2, finding 6: LOC 4294967290 -> 5 exited 2 instead of giving 11.
        var before = ProcInterruptsParser.Parse(new StringReader("           CPU0       CPU1       \n LOC: 4294967290         10   Local timer interrupts\n ERR: 4294967295\n"));
        var after = ProcInterruptsParser.Parse(new StringReader("           CPU0       CPU1       \n LOC:          5         20   Local timer interrupts\n ERR:          0\n"));
        var report = Replay.FromSnapshots(before, after, 1.0);
        Assert.Equal([11UL, 10UL], report.FindRow("LOC")!.Counts);
        Assert.Equal(21UL, report.FindRow("LOC")!.Total);
        Assert.Equal([1UL], report.FindRow("ERR")!.Counts);
        Assert.Equal(
            [
                "row LOC: count went backwards (CPU0 4294967290 -> 5); taken as a 32-bit wrap, difference modulo 2^32 (a counter reset would look the same)",
                "row ERR: count went backwards (column 1 4294967295 -> 0); taken as a 32-bit wrap, difference modulo 2^32 (a counter reset would look the same)",
            ],
            report.Notes);
    }

    [Fact]
    public void Snapshot_counter_lower_by_any_amount_is_a_wrap_not_an_error()
    {
        var report = Replay.FromSnapshots(Snapshot("proc-interrupts-6.14-after.txt"), Snapshot("proc-interrupts-6.14-before.txt"), 2.0);
        Assert.Equal((1UL << 32) - 5000, report.FindRow("137")!.Counts[6]);
        Assert.Contains(report.Notes, n => n.StartsWith("row 137: count went backwards (CPU6 62333 -> 57333)", StringComparison.Ordinal));
    }

    [Fact]
    public void Snapshot_count_above_u32_is_an_error_naming_row_and_cpu()
    {
        // A hand-built snapshot (the parser already refuses such a line): /proc/interrupts prints %10u of an unsigned int.
        var before = new ProcInterruptsSnapshot([0, 1], [new ProcInterruptsRow("LOC", [1UL, 4_294_967_296UL], null, null, null, "Local timer interrupts")]);
        var after = new ProcInterruptsSnapshot([0, 1], [new ProcInterruptsRow("LOC", [2UL, 4_294_967_297UL], null, null, null, "Local timer interrupts")]);
        var ex = Assert.Throws<ReplayFormatException>(() => Replay.FromSnapshots(before, after, 1.0));
        Assert.Equal("row LOC: CPU1 count 4294967297 exceeds 4294967295, the largest count /proc/interrupts prints (%10u)", ex.Detail);
    }

    /// <summary>
    /// An irq number whose chip or hwirq differs between the snapshots names two interrupts: the first was freed and the
    /// number given to a new descriptor with fresh counts (kernel/irq/irqdesc.c irq_free_descs/alloc_descs), so the
    /// difference would mix two devices' counts. An action added to a shared line keeps the descriptor and its counts.
    /// </summary>
    [Theory]
    [InlineData(" 24:  10  0  PCI-MSIX-0000:01:00.0   0-edge  eth0", " 24:  30  5  PCI-MSIX-0000:02:00.0   0-edge  nvme0q0",
        "row 24: PCI-MSIX-0000:01:00.0 0 in the first snapshot, PCI-MSIX-0000:02:00.0 0 in the second: another interrupt at that irq number (freed and requested again between the reads), left out")]
    [InlineData(" 24:  10  0  PCI-MSIX-0000:01:00.0   0-edge  eth0", " 24:  30  5  PCI-MSIX-0000:01:00.0   3-edge  eth0-tx",
        "row 24: PCI-MSIX-0000:01:00.0 0 in the first snapshot, PCI-MSIX-0000:01:00.0 3 in the second: another interrupt at that irq number (freed and requested again between the reads), left out")]
    [InlineData(" 24:  10  0  IO-APIC-edge  eth0", " 24:  30  5  PCI-MSI-edge  eth0",
        "row 24: IO-APIC-edge in the first snapshot, PCI-MSI-edge in the second: another interrupt at that irq number (freed and requested again between the reads), left out")]
    public void Snapshot_row_of_another_chip_or_hwirq_is_another_interrupt_left_out(string first, string second, string note)
    {
        var before = ProcInterruptsParser.Parse(new StringReader("     CPU0  CPU1\n" + first + "\n LOC:  1  2   Local timer interrupts\n"));
        var after = ProcInterruptsParser.Parse(new StringReader("     CPU0  CPU1\n" + second + "\n LOC:  3  4   Local timer interrupts\n"));
        var report = Replay.FromSnapshots(before, after, 1.0);
        Assert.Null(report.FindRow("24"));
        Assert.Equal([2UL, 2UL], report.FindRow("LOC")!.Counts);
        Assert.Equal([note], report.Notes);
    }

    [Fact]
    public void Snapshot_row_that_gained_an_action_keeps_its_counts_request_irq_on_a_shared_line()
    {
        var before = ProcInterruptsParser.Parse(new StringReader("     CPU0\n 17:  10  IO-APIC  17-fasteoi  idma64.1\n"));
        var after = ProcInterruptsParser.Parse(new StringReader("     CPU0\n 17:  25  IO-APIC  17-fasteoi  idma64.1, i2c_designware.1\n"));
        var report = Replay.FromSnapshots(before, after, 1.0);
        Assert.Equal([15UL], report.FindRow("17")!.Counts);
        Assert.Equal("idma64.1, i2c_designware.1", report.FindRow("17")!.Name);
        Assert.Empty(report.Notes);
    }

    [Fact]
    public void Snapshot_columns_are_the_cpus_online_in_both()
    {
        var before = ProcInterruptsParser.Parse(new StringReader("     CPU0  CPU1  CPU2\n LOC:  10  20  30   Local timer interrupts\n  9:  1  1  1  IO-APIC  9-fasteoi  acpi\n"));
        var after = ProcInterruptsParser.Parse(new StringReader("     CPU0  CPU2\n LOC:  15  40   Local timer interrupts\n 11:  1  1  IO-APIC  11-fasteoi  x\n"));
        var report = Replay.FromSnapshots(before, after, 1.0);
        Assert.Equal([0, 2], report.Cpus);
        Assert.Equal([5UL, 10UL], report.FindRow("LOC")!.Counts);
        Assert.Null(report.FindRow("11"));
        Assert.Contains("CPU1 only in the first snapshot (went offline)", report.Notes);
        Assert.Contains("row 11 only in the second snapshot", report.Notes);
        Assert.Contains("row 9 only in the first snapshot", report.Notes);
    }

    /// <summary>
    /// The newest table-driven arch_show_interrupts() (arch/x86/kernel/irq.c, IDS entries of irq_stat_info[]) prints
    /// SPU, RTR, ERR and MIS only after irq_stat_inc_and_enable() counted one: a row missing from the first snapshot and
    /// present in the second went from 0 to its count. It was left out of the rates ("only in the second snapshot").
    /// A device row that appears is still left out (an irq requested between the reads).
    /// </summary>
    [Theory]
    [InlineData("SPU")]
    [InlineData("RTR")]
    [InlineData("ERR")]
    [InlineData("MIS")]
    public void Snapshot_row_hidden_until_its_first_count_counts_from_zero(string label)
    {
        var before = ProcInterruptsParser.Parse(new StringReader("     CPU0  CPU1\n LOC:  10  20  Local timer interrupts\n"));
        var after = ProcInterruptsParser.Parse(new StringReader($"     CPU0  CPU1\n LOC:  15  40  Local timer interrupts\n {label}:  3  0  Some interrupts\n 11:  1  1  IO-APIC  11-fasteoi  x\n"));

        var report = Replay.FromSnapshots(before, after, 1.0);

        Assert.Equal([3UL, 0UL], report.FindRow(label)!.Counts);
        Assert.Equal(3UL, report.FindRow(label)!.Total);
        Assert.Contains($"row {label} only in the second snapshot: the kernel hides it until its first count, so it is counted from 0", report.Notes);
        Assert.Null(report.FindRow("11"));
    }

    /// <summary>
    /// A row hidden until its first count (arch/x86/kernel/irq.c, IDS entries of irq_stat_info[]) that appears while a
    /// CPU came online or went offline between the reads: its counts follow the CPUs online in both, as every other
    /// row's (show_interrupts() prints a column per online CPU, trace-formats.md §4.1), one per reported CPU.
    /// </summary>
    [Theory]
    [InlineData("     CPU0  CPU1  CPU2\n LOC:  1  1  1  Local timer interrupts\n", "     CPU0  CPU1  CPU2  CPU3\n LOC:  2  2  2  2  Local timer interrupts\n SPU:  1  2  3  4  Spurious interrupts\n", new[] { 0, 1, 2 }, new[] { 1UL, 2UL, 3UL })]
    [InlineData("     CPU0  CPU2\n LOC:  1  1  Local timer interrupts\n", "     CPU0  CPU1  CPU2\n LOC:  2  2  2  Local timer interrupts\n SPU:  1  2  3  Spurious interrupts\n", new[] { 0, 2 }, new[] { 1UL, 3UL })]
    [InlineData("     CPU0  CPU1  CPU2\n LOC:  1  1  1  Local timer interrupts\n", "     CPU0  CPU2\n LOC:  2  2  Local timer interrupts\n SPU:  5  7  Spurious interrupts\n", new[] { 0, 2 }, new[] { 5UL, 7UL })]
    [InlineData("     CPU0  CPU1  CPU2\n LOC:  1  1  1  Local timer interrupts\n", "     CPU0  CPU2\n LOC:  2  2  Local timer interrupts\n ERR:  9\n", new[] { 0, 2 }, new[] { 9UL })]
    public void Snapshot_row_hidden_until_its_first_count_follows_the_cpus_online_in_both(string first, string second, int[] cpus, ulong[] counts)
    {
        var report = Replay.FromSnapshots(ProcInterruptsParser.Parse(new StringReader(first)), ProcInterruptsParser.Parse(new StringReader(second)), 1.0);

        Assert.Equal(cpus, report.Cpus);
        var row = report.FindRow(counts.Length == 1 ? "ERR" : "SPU")!;
        Assert.Equal(counts, row.Counts);
        Assert.Equal(counts.Aggregate(0UL, (a, b) => a + b), row.Total);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Snapshot_interval_must_be_positive(double interval)
    {
        var s = Snapshot("proc-interrupts-6.14-before.txt");
        Assert.Throws<ArgumentOutOfRangeException>(() => Replay.FromSnapshots(s, s, interval));
    }

    [Fact]
    public void WriteText_prints_the_rate_table_and_histograms()
    {
        var text = new StringWriter();
        Replay.WriteText(FromFile("ftrace-irq-6x.txt"), text);
        var lines = text.ToString().Split('\n');
        Assert.StartsWith("replay of ftrace: 0.001097 s, 6 CPU(s), 21 record(s)", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.TrimStart().StartsWith("row", StringComparison.Ordinal) && l.Contains("CPU8", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("LOC: ", StringComparison.Ordinal) && l.EndsWith("local_timer", StringComparison.Ordinal));
        Assert.Contains("vector 236 local_timer: 3 sample(s), min 5000 ns, mean 7333.3 ns, max 9000 ns", lines);
        Assert.Contains(lines, l => l == "  [        4096,         8192)        2");
    }

    [Fact]
    public void WriteJson_has_rates_histograms_and_counts()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Replay.WriteJson(FromFile("ftrace-irq-6x.txt"), writer);
        }

        using var doc = JsonDocument.Parse(stream.ToArray());
        var root = doc.RootElement;
        Assert.Equal("ftrace", root.GetProperty("source").GetString());
        Assert.Equal(6, root.GetProperty("cpus").GetArrayLength());
        var loc = root.GetProperty("rates").EnumerateArray().Single(r => r.GetProperty("row").GetString() == "LOC");
        Assert.Equal(3, loc.GetProperty("total").GetInt32());
        var timer = root.GetProperty("histograms").EnumerateArray().Single(h => h.GetProperty("handler").GetString() == "local_timer");
        Assert.Equal(JsonValueKind.Null, timer.GetProperty("irq").ValueKind);
        Assert.Equal(236, timer.GetProperty("vector").GetInt32());
        var bucket = timer.GetProperty("buckets")[0];
        Assert.Equal(4096, bucket.GetProperty("low_ns").GetInt64());
        Assert.Equal(8192, bucket.GetProperty("high_ns").GetInt64());
        Assert.Equal(2, bucket.GetProperty("count").GetInt64());
        Assert.Equal(20, root.GetProperty("events").GetInt32());
    }

    [Fact]
    public void WriteJson_follows_the_JSON_conventions_irqlab_1_first_and_snake_case_keys_SCENARIOS_md_11()
    {
        // SCENARIOS.md §11 "Other commands (same JSON conventions)": every object starts with "irqlab": 1 and uses
        // snake_case keys, as run (§10), vectors and bench (§12) do. Audit round 2, finding 5: replay printed neither.
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Replay.WriteJson(FromFile("ftrace-irq-6x.txt"), writer);
        }

        using var doc = JsonDocument.Parse(stream.ToArray());
        var root = doc.RootElement;
        var first = root.EnumerateObject().First();
        Assert.Equal(("irqlab", 1), (first.Name, first.Value.GetInt32()));
        Assert.Equal(
            ["irqlab", "source", "interval_s", "cpus", "rates", "histograms", "events", "records", "unmatched_entries", "unmatched_exits", "notes"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["row", "name", "counts", "per_s", "total", "total_per_s"], root.GetProperty("rates")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["kind", "handler", "irq", "vector", "count", "min_ns", "max_ns", "mean_ns", "buckets"],
            root.GetProperty("histograms")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(1097e-6, root.GetProperty("interval_s").GetDouble(), 12);
        Assert.All(Keys(root), k => Assert.Matches("^[a-z][a-z0-9_]*$", k));
    }

    private static IEnumerable<string> Keys(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => Keys(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(Keys),
        _ => [],
    };

    /// <summary>
    /// A capture with no handler event to count, or whose events all share one timestamp (its span, interval_s, is 0),
    /// says so in <c>notes</c> (docs/cli.md replay): it printed rates of 0 per second for counted interrupts, or an empty
    /// report, without a word.
    /// </summary>
    [Theory]
    [InlineData("# tracer: nop\n", "no irq or irq_vectors handler events")]
    [InlineData("  <idle>-0  [000] d.h1.  5.000001: sched_switch: prev_comm=a\n", "no irq or irq_vectors handler events")]
    [InlineData("  <idle>-0  [000] d.h1.  5.000001: local_timer_entry: vector=236\n  <idle>-0  [000] d.h1.  5.000001: local_timer_exit: vector=236\n", "the capture spans no time")]
    public void A_capture_with_nothing_to_count_or_no_span_says_so_in_its_notes(string text, string note)
    {
        var report = Replay.FromFtrace(FtraceParser.Parse(new StringReader(text)));

        Assert.Contains(report.Notes, n => n.StartsWith(note, StringComparison.Ordinal));
    }
}
