using IrqLab.Tracing;
using IrqLab.Tracing.Replay;
using Xunit;

namespace IrqLab.Tests.Tracing;

/// <summary>
/// FtraceWriter lines against kernel/trace/trace_output.c <c>trace_print_context</c>
/// (<c>%16s-%-7d [%03d] flags %5lu.%06lu: event: fields</c>) and the TP_printk formats of include/trace/events/irq.h
/// and arch/x86/include/asm/trace/irq_vectors.h (shared/reference/trace-formats.md §3).
/// </summary>
public sealed class FtraceWriterTests
{
    private static string[] Lines(int cpus, params TraceEvent[] events)
    {
        var text = new StringWriter();
        var writer = new FtraceWriter(text, cpus);
        foreach (var e in events)
        {
            writer.Write(e);
        }

        writer.Complete(events.Length == 0 ? 0 : events[^1].TimeNs);
        var all = text.ToString();
        var header = FtraceWriter.HeaderFor(writer.Entries, cpus);
        Assert.StartsWith(header, all, StringComparison.Ordinal);
        return all[header.Length..].Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void Header_is_the_6x_trace_file_header_with_five_flag_columns()
    {
        var lines = FtraceWriter.HeaderFor(0, 1).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("# tracer: nop", lines[0]);
        Assert.Equal("#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION", lines[^2]);
        Assert.All(lines, l => Assert.StartsWith("#", l, StringComparison.Ordinal));
    }

    [Fact]
    public void Header_counts_the_entries_and_cpus_like_print_event_info_trace_formats_3_1()
    {
        // trace-formats.md §3.1: "# tracer: nop", "#", "# entries-in-buffer/entries-written: <in-buffer>/<written>   #P:<ncpus>",
        // then (print_event_info's "#\n") the legend. Nothing is overwritten, so both counts are the number of lines.
        var text = new StringWriter();
        var writer = new FtraceWriter(text, 2);
        writer.Write(new TraceEvent(1_000, 1, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt", Event: "ext_int"));
        writer.Write(new TraceEvent(1_000, 1, TraceEventKind.Raise, Name: "eth0"));
        writer.Write(new TraceEvent(2_000, 1, TraceEventKind.HandlerExit, Value: -1));
        writer.Complete(2_000);
        var lines = text.ToString().Split('\n');
        Assert.Equal(
            [
                "# tracer: nop",
                "#",
                "# entries-in-buffer/entries-written: 2/2   #P:2",
                "#",
                "#                                _-----=> irqs-off/BH-disabled",
            ],
            lines[..5]);
        Assert.Equal(2, lines.Count(l => l.Length > 0 && !l.StartsWith('#')));
    }

    [Fact]
    public void Lines_beyond_the_memory_buffer_spill_and_come_back_in_order_after_the_header()
    {
        var text = new StringWriter();
        using (var writer = new FtraceWriter(text, 1))
        {
            for (var i = 0; i < 5_000; i++)
            {
                writer.Write(new TraceEvent(i * 1_000L, 0, TraceEventKind.HandlerEntry, 34, "eth0", 27, Event: "ext_int"));
                writer.Write(new TraceEvent((i * 1_000L) + 500, 0, TraceEventKind.HandlerExit, Value: 1));
            }

            writer.Complete(5_000_000);
        }

        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("# entries-in-buffer/entries-written: 10000/10000   #P:1", lines[2]);
        var events = lines.Where(l => !l.StartsWith('#')).ToArray();
        Assert.Equal(10_000, events.Length);
        Assert.EndsWith("     0.000000: irq_handler_entry: irq=27 name=eth0", events[0], StringComparison.Ordinal);
        Assert.EndsWith("     0.005000: irq_handler_exit: irq=27 ret=handled", events[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Spill_file_that_cannot_be_created_is_named_in_plain_words_docs_cli_md()
    {
        // docs/cli.md: file problems are told in plain words, never with .NET's texts ("Could not find a part of the
        // path '...'."): a $TMPDIR that does not exist used to end `irqlab trace --format ftrace` that way.
        var missing = Path.Combine(Path.GetTempPath(), "irqlab-missing-" + Guid.NewGuid().ToString("N"));
        using var writer = new FtraceWriter(new StringWriter(), 1, missing);

        var error = Assert.Throws<IOException>(() =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                writer.Write(new TraceEvent(i * 1_000L, 0, TraceEventKind.HandlerEntry, 34, "eth0", 27, Event: "ext_int"));
                writer.Write(new TraceEvent((i * 1_000L) + 500, 0, TraceEventKind.HandlerExit, Value: 1));
            }
        });

        Assert.Matches(
            "^cannot write '" + System.Text.RegularExpressions.Regex.Escape(missing + Path.DirectorySeparatorChar) +
            "irqlab-ftrace-[0-9a-f]{32}\\.tmp': directory '" + System.Text.RegularExpressions.Regex.Escape(missing) + "' does not exist$",
            error.Message);
        Assert.False(Directory.Exists(missing));
    }

    [Theory]
    [InlineData(1, "          <idle>-0       [006] d.h..  1523.104512: irq_handler_entry: irq=137 name=nvme0q1", "          <idle>-0       [006] d.h..  1523.104519: irq_handler_exit: irq=137 ret=handled")]
    [InlineData(0, "          <idle>-0       [006] d.h..  1523.104512: irq_handler_entry: irq=137 name=nvme0q1", "          <idle>-0       [006] d.h..  1523.104519: irq_handler_exit: irq=137 ret=unhandled")]
    [InlineData(2, "          <idle>-0       [006] d.h..  1523.104512: irq_handler_entry: irq=137 name=nvme0q1", "          <idle>-0       [006] d.h..  1523.104519: irq_handler_exit: irq=137 ret=handled")]
    public void Device_handler_prints_irq_handler_entry_and_exit_irq_h(long ret, string entry, string exit)
    {
        // irq.h: TP_printk("irq=%d name=%s") and TP_printk("irq=%d ret=%s", __entry->ret ? "handled" : "unhandled").
        var lines = Lines(
            8,
            new TraceEvent(1_523_104_512_000, 6, TraceEventKind.HandlerEntry, 34, "nvme0q1", 137, Event: "ext_int"),
            new TraceEvent(1_523_104_519_000, 6, TraceEventKind.HandlerExit, Value: ret));
        Assert.Equal([entry, exit], lines);
    }

    [Theory]
    [InlineData("sysvec_apic_timer_interrupt", 236, "local_timer")]
    [InlineData("sysvec_spurious_apic_interrupt", 255, "spurious_apic")]
    [InlineData("sysvec_error_interrupt", 254, "error_apic")]
    [InlineData("sysvec_x86_platform_ipi", 247, "x86_platform_ipi")]
    [InlineData("sysvec_irq_work", 246, "irq_work")]
    [InlineData("sysvec_reschedule_ipi", 253, "reschedule")]
    [InlineData("sysvec_call_function", 252, "call_function")]
    [InlineData("sysvec_call_function_single", 251, "call_function_single")]
    [InlineData("sysvec_threshold", 249, "threshold_apic")]
    [InlineData("sysvec_deferred_error", 244, "deferred_error_apic")]
    [InlineData("sysvec_thermal", 250, "thermal_apic")]
    [InlineData("spurious_interrupt", 239, "spurious_apic")] // handle_spurious_interrupt(vector): the real vector (apic.c)
    [InlineData("spurious_interrupt", 237, "spurious_apic")]
    public void System_vector_handler_prints_its_irq_vectors_event_irq_vectors_h(string handler, int vector, string eventName)
    {
        var lines = Lines(
            4,
            new TraceEvent(29_704_387_000, 3, TraceEventKind.HandlerEntry, vector, handler, Event: "ext_int"),
            new TraceEvent(29_704_391_000, 3, TraceEventKind.HandlerExit, Value: -1));
        Assert.Equal(
            [
                $"          <idle>-0       [003] d.h..    29.704387: {eventName}_entry: vector={vector}",
                $"          <idle>-0       [003] d.h..    29.704391: {eventName}_exit: vector={vector}",
            ],
            lines);
    }

    [Theory]
    [InlineData("sysvec_reschedule_ipi", 0xf3, "reschedule", 253)]
    [InlineData("sysvec_apic_timer_interrupt", 0xf0, "local_timer", 236)]
    [InlineData("sysvec_call_function", 0xee, "call_function", 252)]
    [InlineData("sysvec_spurious_apic_interrupt", 0xed, "spurious_apic", 255)]
    public void Installed_elsewhere_a_sysvec_handler_still_traces_its_vector_constant_smp_c_apic_c(string handler, int installedAt, string eventName, int traced)
    {
        // arch/x86/kernel/smp.c sysvec_reschedule_ipi: trace_reschedule_entry(RESCHEDULE_VECTOR); apic.c
        // local_apic_timer_interrupt: trace_local_timer_entry(LOCAL_TIMER_VECTOR); sysvec_spurious_apic_interrupt:
        // handle_spurious_interrupt(SPURIOUS_APIC_VECTOR). The constant, not the vector the handler was installed at.
        var lines = Lines(
            1,
            new TraceEvent(5_000, 0, TraceEventKind.HandlerEntry, installedAt, handler, Event: "ext_int"),
            new TraceEvent(6_000, 0, TraceEventKind.HandlerExit, Value: -1));
        Assert.Equal(
            [
                $"          <idle>-0       [000] d.h..     0.000005: {eventName}_entry: vector={traced}",
                $"          <idle>-0       [000] d.h..     0.000006: {eventName}_exit: vector={traced}",
            ],
            lines);
    }

    [Theory]
    [InlineData(0L, "    0.000000")]
    [InlineData(499L, "    0.000000")]
    [InlineData(500L, "    0.000001")] // ns2usecs rounds: (ns + 500) / 1000
    [InlineData(1_999_999_600L, "    2.000000")]
    [InlineData(12_345_678_901_234L, "12345.678901")]
    [InlineData(123_456_789_012_345_678L, "123456789.012346")]
    public void Timestamp_is_seconds_dot_micros_right_aligned_in_5_trace_print_time(long ns, string expected)
    {
        var line = Lines(1, new TraceEvent(ns, 0, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt"))[0];
        Assert.Equal($"          <idle>-0       [000] d.h.. {expected}: local_timer_entry: vector=236", line);
    }

    [Theory]
    [InlineData(0, "[000]")]
    [InlineData(7, "[007]")]
    [InlineData(42, "[042]")]
    [InlineData(1023, "[1023]")]
    public void Cpu_is_three_digits_zero_padded_trace_print_context(int cpu, string expected)
    {
        var line = Lines(1024, new TraceEvent(1_000, cpu, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt"))[0];
        Assert.Equal($"          <idle>-0       {expected} d.h..     0.000001: local_timer_entry: vector=236", line);
    }

    [Fact]
    public void Softirq_prints_vec_and_action_irq_h()
    {
        var lines = Lines(
            2,
            new TraceEvent(1_000_000, 1, TraceEventKind.HandlerEntry, 3, "NET_RX", Event: "softirq"),
            new TraceEvent(1_030_000, 1, TraceEventKind.HandlerExit));
        Assert.Equal(
            [
                "          <idle>-0       [001] ..s..     0.001000: softirq_entry: vec=3 [action=NET_RX]",
                "          <idle>-0       [001] ..s..     0.001030: softirq_exit: vec=3 [action=NET_RX]",
            ],
            lines);
    }

    [Fact]
    public void Hardirq_inside_a_softirq_has_flag_H_trace_print_lat_fmt()
    {
        var lines = Lines(
            2,
            new TraceEvent(1_000_000, 1, TraceEventKind.HandlerEntry, 1, "TIMER", Event: "softirq"),
            new TraceEvent(1_010_000, 1, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt", Depth: 1),
            new TraceEvent(1_015_000, 1, TraceEventKind.HandlerExit),
            new TraceEvent(1_030_000, 1, TraceEventKind.HandlerExit),
            new TraceEvent(1_040_000, 1, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt"));
        Assert.Equal(
            [
                "          <idle>-0       [001] ..s..     0.001000: softirq_entry: vec=1 [action=TIMER]",
                "          <idle>-0       [001] d.H..     0.001010: local_timer_entry: vector=236",
                "          <idle>-0       [001] d.H..     0.001015: local_timer_exit: vector=236",
                "          <idle>-0       [001] ..s..     0.001030: softirq_exit: vec=1 [action=TIMER]",
                "          <idle>-0       [001] d.h..     0.001040: local_timer_entry: vector=236",
            ],
            lines);
    }

    [Fact]
    public void Handlers_without_a_tracepoint_and_other_kinds_print_nothing_but_keep_nesting()
    {
        var lines = Lines(
            2,
            new TraceEvent(10, -1, TraceEventKind.Raise, 34, "eth0", 27),
            new TraceEvent(1_000, 0, TraceEventKind.HandlerEntry, 14, "exc_page_fault", Event: "hw_exc"),
            new TraceEvent(2_000, 0, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt", Depth: 1, Event: "ext_int"),
            new TraceEvent(3_000, 0, TraceEventKind.HandlerExit),
            new TraceEvent(3_500, 0, TraceEventKind.Eoi, 236),
            new TraceEvent(4_000, 0, TraceEventKind.HandlerExit),
            new TraceEvent(5_000, 1, TraceEventKind.HandlerEntry, 248, "sysvec_reboot"),
            new TraceEvent(6_000, 1, TraceEventKind.HandlerExit),
            new TraceEvent(7_000, 1, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt", Vm: "vm0", Vcpu: 0),
            new TraceEvent(8_000, 1, TraceEventKind.HandlerExit, Vm: "vm0", Vcpu: 0),
            new TraceEvent(9_000, 1, TraceEventKind.Pending, Value: 1),
            new TraceEvent(9_500, 1, TraceEventKind.HandlerExit));
        Assert.Equal(
            [
                "          <idle>-0       [000] d.h..     0.000002: local_timer_entry: vector=236",
                "          <idle>-0       [000] d.h..     0.000003: local_timer_exit: vector=236",
            ],
            lines);
    }

    [Fact]
    public void Lines_round_trip_through_FtraceParser()
    {
        TraceEvent[] events =
        [
            new(1_000_000, 0, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt", Event: "ext_int"),
            new(1_004_000, 0, TraceEventKind.HandlerExit, Value: -1),
            new(1_010_000, 2, TraceEventKind.HandlerEntry, 35, "PCIe PME", 124, Event: "ext_int"),
            new(1_013_000, 2, TraceEventKind.HandlerExit, Value: 0),
            new(1_020_000, 1, TraceEventKind.HandlerEntry, 1, "TIMER", Event: "softirq"),
            new(1_021_000, 1, TraceEventKind.HandlerEntry, 253, "sysvec_reschedule_ipi", Depth: 1, Event: "ext_int"),
            new(1_022_000, 1, TraceEventKind.HandlerExit, Value: -1),
            new(1_030_000, 1, TraceEventKind.HandlerExit, Value: -1),
        ];
        var text = new StringWriter();
        var writer = new FtraceWriter(text, 4);
        foreach (var e in events)
        {
            writer.Write(e);
        }

        writer.Complete(events[^1].TimeNs);
        var records = FtraceParser.Parse(new StringReader(text.ToString()));
        var first = FtraceWriter.HeaderFor(events.Length, 4).Split('\n').Length;
        Assert.Equal(
            [
                new FtraceRecord(0, 1_000_000, "local_timer_entry", null, 236, null, null, first),
                new FtraceRecord(0, 1_004_000, "local_timer_exit", null, 236, null, null, first + 1),
                new FtraceRecord(2, 1_010_000, "irq_handler_entry", 124, null, "PCIe PME", null, first + 2),
                new FtraceRecord(2, 1_013_000, "irq_handler_exit", 124, null, null, "unhandled", first + 3),
                new FtraceRecord(1, 1_020_000, "softirq_entry", null, 1, "TIMER", null, first + 4),
                new FtraceRecord(1, 1_021_000, "reschedule_entry", null, 253, null, null, first + 5),
                new FtraceRecord(1, 1_022_000, "reschedule_exit", null, 253, null, null, first + 6),
                new FtraceRecord(1, 1_030_000, "softirq_exit", null, 1, "TIMER", null, first + 7),
            ],
            records);

        // And back: the events rebuilt by the replay print the same lines.
        var rebuilt = new StringWriter();
        var again = new FtraceWriter(rebuilt, 4);
        foreach (var e in Replay.FromFtrace(records).Events)
        {
            again.Write(e);
        }

        again.Complete(events[^1].TimeNs);

        Assert.Equal(text.ToString(), rebuilt.ToString());
    }

    [Fact]
    public void Lines_of_one_timestamp_on_several_cpus_come_lowest_cpu_first_like_find_next_entry_trace_c()
    {
        // kernel/trace/trace.c __find_next_entry picks the per-CPU buffer head with the smallest ts, and keeps the
        // first (lowest) CPU on a tie ("ts < next_ts"), so CPU 0's lines of a nanosecond precede CPU 1's.
        var lines = Lines(
            2,
            new TraceEvent(1_000, 1, TraceEventKind.HandlerEntry, 253, "sysvec_reschedule_ipi", Event: "ext_int"),
            new TraceEvent(1_000, 1, TraceEventKind.HandlerExit, Value: -1),
            new TraceEvent(1_000, 0, TraceEventKind.HandlerEntry, 251, "sysvec_call_function_single", Event: "ext_int"),
            new TraceEvent(1_000, 0, TraceEventKind.HandlerExit, Value: -1),
            new TraceEvent(1_400, 1, TraceEventKind.HandlerEntry, 34, "eth0", 25, Event: "ext_int"),
            new TraceEvent(1_600, 0, TraceEventKind.HandlerEntry, 34, "ata0", 14, Event: "ext_int"),
            new TraceEvent(1_600, 0, TraceEventKind.HandlerExit, Value: 1),
            new TraceEvent(1_700, 1, TraceEventKind.HandlerExit, Value: 1));
        Assert.Equal(
            [
                "          <idle>-0       [000] d.h..     0.000001: call_function_single_entry: vector=251",
                "          <idle>-0       [000] d.h..     0.000001: call_function_single_exit: vector=251",
                "          <idle>-0       [001] d.h..     0.000001: reschedule_entry: vector=253",
                "          <idle>-0       [001] d.h..     0.000001: reschedule_exit: vector=253",
                "          <idle>-0       [001] d.h..     0.000001: irq_handler_entry: irq=25 name=eth0",
                "          <idle>-0       [000] d.h..     0.000002: irq_handler_entry: irq=14 name=ata0",
                "          <idle>-0       [000] d.h..     0.000002: irq_handler_exit: irq=14 ret=handled",
                "          <idle>-0       [001] d.h..     0.000002: irq_handler_exit: irq=25 ret=handled",
            ],
            lines);
    }

    /// <summary>
    /// An instant whose lines interleave CPUs (3, 0, 2, 1, 3, 0, ...): every CPU's lines come together, lowest CPU first,
    /// each CPU's in the order they were written (__find_next_entry, kernel/trace/trace.c).
    /// </summary>
    [Fact]
    public void Interleaved_cpus_of_one_instant_are_merged_lowest_cpu_first_keeping_each_cpus_order_trace_c()
    {
        int[] order = [3, 0, 2, 1];
        var events = new List<TraceEvent>();
        for (var i = 0; i < 2_000; i++)
        {
            var cpu = order[i % order.Length];
            events.Add(new TraceEvent(7_000, cpu, TraceEventKind.HandlerEntry, 34, "eth0", 100 + (i / order.Length), Event: "ext_int"));
            events.Add(new TraceEvent(7_000, cpu, TraceEventKind.HandlerExit, Value: 1));
        }

        var lines = Lines(4, [.. events]);

        Assert.Equal(4_000, lines.Length);
        for (var cpu = 0; cpu < 4; cpu++)
        {
            var mine = lines.Skip(cpu * 1_000).Take(1_000).ToArray();
            Assert.All(mine, l => Assert.Contains($"[{cpu:000}]", l, StringComparison.Ordinal));
            var irqs = mine.Select(l => int.Parse(l[(l.IndexOf("irq=", StringComparison.Ordinal) + 4)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(Enumerable.Range(100, 500).SelectMany(n => new[] { n, n }), irqs);
        }
    }

    /// <summary>
    /// A zero-time storm (the engine allows up to 2,000,000 handler entries at one instant) must not be held in memory
    /// whole to sort its instant by CPU: past a bound the instant's lines are written in runs (docs/reliability.md,
    /// "Resource bounds"). 400,000 lines of one nanosecond, after a warm-up that reaches the bound, allocate nearly
    /// nothing; held whole they would need about 80 MB.
    /// </summary>
    [Fact]
    public void Lines_of_one_instant_are_held_up_to_a_bound_only()
    {
        using var writer = new FtraceWriter(new StreamWriter(Stream.Null), 2);
        var entry = new TraceEvent(5_000, 0, TraceEventKind.HandlerEntry, 34, "eth0", 27, Event: "ext_int");
        var exit = new TraceEvent(5_000, 0, TraceEventKind.HandlerExit, Value: 1);
        for (var i = 0; i < 40_000; i++)
        {
            writer.Write(entry);
            writer.Write(exit);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200_000; i++)
        {
            writer.Write(entry);
            writer.Write(exit);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1_000_000, $"400,000 lines of one instant allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Write_does_not_allocate_per_event()
    {
        var writer = new FtraceWriter(new StreamWriter(Stream.Null), 4);
        var entry = new TraceEvent(1_000, 1, TraceEventKind.HandlerEntry, 34, "eth0", 27);
        var vector = new TraceEvent(1_000, 1, TraceEventKind.HandlerEntry, 236, "sysvec_apic_timer_interrupt");
        var exit = new TraceEvent(2_000, 1, TraceEventKind.HandlerExit, Value: 1);
        for (var i = 0; i < 1_000; i++)
        {
            writer.Write(entry);
            writer.Write(exit);
            writer.Write(vector);
            writer.Write(exit);
        }

        // Each round writes 40,000 events: a per-event allocation shows in every round, a one-off one (the writer's
        // spill file being set up) in one only.
        var allocated = AllocationMeter.LeastPerRound(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                writer.Write(entry with { TimeNs = i * 1_000L });
                writer.Write(exit with { TimeNs = (i * 1_000L) + 400 });
                writer.Write(vector with { TimeNs = (i * 1_000L) + 500 });
                writer.Write(exit with { TimeNs = (i * 1_000L) + 900 });
            }
        });

        Assert.True(allocated < 1_024, $"40000 events allocated {allocated} bytes");
    }
}
