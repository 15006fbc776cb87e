using IrqLab.Tracing.Replay;
using Xunit;

namespace IrqLab.Tests.Tracing;

/// <summary>
/// ProcInterruptsParser on the real Ubuntu 6.14 capture of shared/reference/trace-formats.md §4.2 and the layout rules of
/// kernel/irq/proc.c <c>show_interrupts</c> / arch/x86/kernel/irq.c <c>arch_show_interrupts</c> (§4.1, §4.3).
/// </summary>
public sealed class ProcInterruptsParserTests
{
    private static ProcInterruptsSnapshot Real()
    {
        using var reader = TracingData.Open("proc-interrupts-6.14-before.txt");
        return ProcInterruptsParser.Parse(reader);
    }

    private static ProcInterruptsSnapshot Parse(string text) => ProcInterruptsParser.Parse(new StringReader(text));

    [Fact]
    public void Header_gives_twelve_online_cpus_despite_trailing_spaces()
    {
        var snapshot = Real();
        Assert.Equal(Enumerable.Range(0, 12), snapshot.Cpus);
        Assert.Equal(27, snapshot.Rows.Count);
    }

    [Theory]
    [InlineData("1", "IR-IO-APIC", "1", "edge", "i8042", 3, 8UL)]
    [InlineData("9", "IR-IO-APIC", "9", "fasteoi", "acpi", 0, 103UL)]
    [InlineData("17", "IR-IO-APIC", "17", "fasteoi", "idma64.1, i2c_designware.1, snd_hda_intel:card1", 8, 7720UL)]
    [InlineData("120", "DMAR-MSI", "1024", "edge", "dmar0-prq", 0, 0UL)]
    [InlineData("124", "IR-PCI-MSI-0000:00:1d.0", "0", "edge", "PCIe PME, aerdrv, pcie-dpc, PCIe bwctrl", 5, 1UL)]
    [InlineData("137", "IR-PCI-MSIX-0000:06:00.0", "1", "edge", "nvme0q1", 6, 57333UL)]
    [InlineData("145", "dummy", "0", null, "i2c_hid_acpi", 0, 0UL)] // no flow name: "   dummy    0  i2c_hid_acpi"
    [InlineData("151", "IR-PCI-MSI-0000:00:14.3", "0", "edge", "iwlwifi", 0, 192536UL)]
    public void Numbered_rows_split_chip_hwirq_flow_and_actions(string row, string chip, string hwirq, string? flow, string actions, int cpu, ulong count)
    {
        var r = Real().Find(row)!;
        Assert.Equal(12, r.Counts.Count);
        Assert.Equal(chip, r.Chip);
        Assert.Equal(hwirq, r.Hwirq);
        Assert.Equal(flow, r.Flow);
        Assert.Equal(actions, r.Actions);
        Assert.Null(r.Desc);
        Assert.Equal(count, r.Counts[cpu]);
        Assert.True(r.IsNumbered);
    }

    [Theory]
    [InlineData("NMI", "Non-maskable interrupts", 0, 165741UL)]
    [InlineData("LOC", "Local timer interrupts", 2, 1535163UL)]
    [InlineData("CAL", "Function call interrupts", 11, 16747UL)]
    [InlineData("MCP", "Machine check polls", 0, 10UL)]
    [InlineData("PIW", "Posted-interrupt wakeup event", 11, 0UL)]
    public void Named_rows_keep_their_description(string row, string desc, int cpu, ulong count)
    {
        var r = Real().Find(row)!;
        Assert.Equal(desc, r.Desc);
        Assert.Equal(count, r.Counts[cpu]);
        Assert.Null(r.Chip);
        Assert.False(r.IsNumbered);
    }

    [Theory]
    [InlineData("ERR")]
    [InlineData("MIS")]
    public void ERR_and_MIS_are_single_global_counts_without_description(string row)
    {
        var r = Real().Find(row)!;
        Assert.Equal([0UL], r.Counts);
        Assert.Null(r.Desc);
    }

    [Fact]
    public void PMI_equals_NMI_per_cpu_on_the_real_capture()
    {
        var s = Real();
        Assert.Equal(s.Find("NMI")!.Counts, s.Find("PMI")!.Counts);
        Assert.Null(s.Find("PLT"));
        Assert.Null(s.Find("HYP"));
    }

    [Fact]
    public void Offline_cpus_are_missing_from_the_header_and_columns_follow_it()
    {
        var s = Parse("           CPU0       CPU2       CPU3       \n  0:         44          5          0   IO-APIC   2-edge      timer\n LOC:        10         20         30   Local timer interrupts\n");
        Assert.Equal([0, 2, 3], s.Cpus);
        Assert.Equal([10UL, 20UL, 30UL], s.Find("LOC")!.Counts);
        Assert.Equal("timer", s.Find("0")!.Actions);
    }

    [Fact]
    public void Old_chip_flow_format_without_hwirq_keeps_actions()
    {
        // 2.6/3.x show_interrupts: "%8s" chip then "-%-8s" flow, no hwirq (reference §4.1, 2020 blog capture).
        var s = Parse("           CPU0       CPU1\n  0:         44          0   IO-APIC-edge      timer\n 24:   12345   0   PCI-MSI-edge      eth0-rx-0\n CAL: 4294919647 4294931395   Function call interrupts\n");
        var timer = s.Find("0")!;
        Assert.Equal("IO-APIC-edge", timer.Chip);
        Assert.Null(timer.Hwirq);
        Assert.Equal("timer", timer.Actions);
        Assert.Equal("eth0-rx-0", s.Find("24")!.Actions);
        Assert.Equal([4294919647UL, 4294931395UL], s.Find("CAL")!.Counts);
    }

    [Fact]
    public void Row_with_fewer_counts_than_cpus_is_an_error_not_a_guess_trace_formats_4_3()
    {
        var e = Assert.Throws<ReplayFormatException>(() => Parse("           CPU0       CPU1       CPU2\n  5:          1          2\n"));
        Assert.Equal(2, e.Line);
        Assert.Equal("row 5: expected 3 counts (one per CPU in the header), got 2", e.Detail);
        var s = Parse("           CPU0       CPU1       CPU2\n IPI0:        3          4          5   Rescheduling interrupts\n ERR:          7\n");
        Assert.Equal("Rescheduling interrupts", s.Find("IPI0")!.Desc);
        Assert.Equal([7UL], s.Find("ERR")!.Counts);
    }

    [Fact]
    public void Numbered_row_without_actions_has_null_actions()
    {
        var s = Parse("           CPU0\n 130:          0 IR-PCI-MSI-0000:00:14.0    0-edge\n");
        var r = s.Find("130")!;
        Assert.Equal("0", r.Hwirq);
        Assert.Equal("edge", r.Flow);
        Assert.Null(r.Actions);
    }

    [Theory]
    [InlineData("", 1, "expected the header")]
    [InlineData("  1:  0  0 IO-APIC 1-edge i8042\n", 1, "expected the header")]
    [InlineData("           CPU0       CPU1\n LOC    10   20   Local timer interrupts\n", 2, "expected '<irq or name>:'")]
    [InlineData("           CPU0       CPU1\n LOC:\n", 2, "row LOC: expected at least one count")]
    [InlineData("           CPU0       CPU1\n  1:  99999999999999999999999 0 IO-APIC 1-edge i8042\n", 2, "row 1: expected a count")]
    [InlineData("           CPU2       CPU1\n", 1, "increasing order")]
    // kernel/irq/proc.c show_interrupts() prints each descriptor once, arch_show_interrupts() each named row once.
    [InlineData("           CPU0       CPU1\n  0:  20  0 IO-APIC 2-edge timer\n  0:  20  0 IO-APIC 2-edge timer\n", 3, "row 0 appears twice (first at line 2)")]
    [InlineData("           CPU0       CPU1\nLOC:  1  2   Local timer interrupts\nRES:  0  0   Rescheduling interrupts\nLOC:  3  4   Local timer interrupts\n", 4, "row LOC appears twice (first at line 2)")]
    [InlineData("           CPU0\nERR:          0\nERR:          1\n", 3, "row ERR appears twice")]
    public void Garbled_input_is_an_error_with_its_line_number(string text, int line, string expected)
    {
        var ex = Assert.Throws<ReplayFormatException>(() => Parse(text));
        Assert.Equal(line, ex.Line);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// fs/proc/softirqs.c prints the header of /proc/interrupts (<c>CPU%-8d</c> columns) and ten rows
    /// <c>%12s:</c> + <c> %10u</c> per CPU with the softirq names (kernel/softirq.c <c>softirq_to_name[]</c>) and no
    /// description: read as a snapshot, two of them gave a report of rows HI..RCU, exit 0. No arch_show_interrupts()
    /// row bears a softirq's name, so such a row is an error naming the file it is.
    /// </summary>
    [Theory]
    [InlineData("                    CPU0       CPU1       \n          HI:          1          0\n       TIMER:     123456     234567\n", 2, "row HI: this is /proc/softirqs")]
    [InlineData("                    CPU0\n      NET_RX:       1000\n", 2, "row NET_RX: this is /proc/softirqs")]
    [InlineData("                    CPU0       CPU1\n BLOCK_IOPOLL:          0          0\n", 2, "row BLOCK_IOPOLL: this is /proc/softirqs")]
    public void Proc_softirqs_is_not_a_snapshot_fs_proc_softirqs_c(string text, int line, string expected)
    {
        var ex = Assert.Throws<ReplayFormatException>(() => Parse(text));
        Assert.Equal(line, ex.Line);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
