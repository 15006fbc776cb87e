using IrqLab.Kernel;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>/proc/interrupts text and rows (kernel/irq/proc.c show_interrupts, arch/x86/kernel/irq.c arch_show_interrupts;
/// linux-dispatch.md §1.4, §5.5).</summary>
public sealed class ProcInterruptsTests
{
    private static KernelModel SmallMachine(KernelVersion version)
    {
        var model = K.Model(out _, K.Options(version, cpus: 2));
        model.RequestIrq(K.Isa(1, "ata0", 14));
        model.RequestIrq(K.MsiX(0, "eth0", 2, affinity: [0, 1]));
        var ata = model.DescAt(14)!;
        for (var i = 0; i < 3; i++)
        {
            model.ExternalInterrupt(ata.Cpu, ata.Vector, EntryRoute.Idt);
        }

        var eth = model.DescAt(24)!;
        model.ExternalInterrupt(eth.Cpu, eth.Vector, EntryRoute.Idt);
        for (var i = 0; i < 5; i++)
        {
            model.ExternalInterrupt(0, 0xec, EntryRoute.Idt);
        }

        for (var i = 0; i < 3; i++)
        {
            model.ExternalInterrupt(1, 0xec, EntryRoute.Idt);
        }

        return model;
    }

    private const string Golden61 = """
                   CPU0       CPU1       
         14:          3          0   IO-APIC  14-edge      ata0
         24:          1          0   PCI-MSI 524288-edge      eth0
         25:          0          0   PCI-MSI 524289-edge      eth0
        NMI:          0          0   Non-maskable interrupts
        LOC:          5          3   Local timer interrupts
        SPU:          0          0   Spurious interrupts
        PMI:          0          0   Performance monitoring interrupts
        IWI:          0          0   IRQ work interrupts
        RTR:          0          0   APIC ICR read retries
        RES:          0          0   Rescheduling interrupts
        CAL:          0          0   Function call interrupts
        TLB:          0          0   TLB shootdowns
        TRM:          0          0   Thermal event interrupts
        THR:          0          0   Threshold APIC interrupts
        DFR:          0          0   Deferred Error APIC interrupts
        ERR:          0
        MIS:          0
        PIN:          0          0   Posted-interrupt notification event
        NPI:          0          0   Nested posted-interrupt event
        PIW:          0          0   Posted-interrupt wakeup event

        """;

    /// <summary>
    /// The newest kernel/irq/proc.c (<c>irq_seq_show()</c>, with the <c>irq_proc_emit_counts()</c> the table-driven
    /// arch/x86/kernel/irq.c uses): <c>num_prec</c> 4 (<c>irq_proc_calc_prec()</c> starts at 4), irq rows
    /// <c>"%*u:"</c> + <c>" %10u"</c> per CPU + two spaces + the chip left-aligned in <c>chip_width</c> (here the MSI-X
    /// device chip's 21 characters, <c>irq_proc_update_chip()</c>) + a space + the hwirq in <c>num_prec</c> columns.
    /// </summary>
    private const string GoldenLatest = """
                    CPU0       CPU1       
          14:          3          0  IO-APIC                 14-edge      ata0
          24:          1          0  PCI-MSIX-0000:01:00.0    0-edge      eth0
          25:          0          0  PCI-MSIX-0000:01:00.0    1-edge      eth0
         NMI:          0          0  Non-maskable interrupts
         LOC:          5          3  Local timer interrupts
         PMI:          0          0  Performance monitoring interrupts
         IWI:          0          0  IRQ work interrupts
         RES:          0          0  Rescheduling interrupts
         CAL:          0          0  Function call interrupts
         TLB:          0          0  TLB shootdowns
         TRM:          0          0  Thermal event interrupts
         THR:          0          0  Threshold APIC interrupts
         DFR:          0          0  Deferred Error APIC interrupts
         PIN:          0          0  Posted-interrupt notification event
         NPI:          0          0  Nested posted-interrupt event
         PIW:          0          0  Posted-interrupt wakeup event

        """;

    /// <summary>
    /// Newest kernel/irq/proc.c <c>irq_seq_show()</c> for an irq without a domain (an XT-PIC irq): after the chip and its
    /// space, <c>seq_printf(p, " %*s", num_prec, "")</c>, one blank more than the hwirq column; the chip column stays 8
    /// wide (<c>chip_width</c>'s floor) while no chip name is longer.
    /// </summary>
    [Fact]
    public void Latest_irq_row_without_domain_pads_num_prec_plus_one_proc_c_irq_seq_show()
    {
        var model = K.Model(out _, K.Options(KernelVersion.Latest, cpus: 1, ioapics: []));
        model.RequestIrq(K.Isa(0, "serial", 4));
        var text = model.ProcInterrupts.Render();
        Assert.StartsWith(new string(' ', 12) + "CPU0       \n", text, StringComparison.Ordinal);
        Assert.Contains("\n   4:          0  XT-PIC          serial\n", text, StringComparison.Ordinal);
        Assert.Contains("\n NMI:          0  Non-maskable interrupts\n", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>irq_proc_update_chip()</c> (newest kernel/irq/proc.c) widens the chip column when <c>pci_alloc_irq_vectors()</c>
    /// sets the device's chip on its irqs (<c>irq_domain_set_hwirq_and_chip()</c>), before any <c>request_irq()</c>, and
    /// never narrows it: a NIC whose 256 MSI-X requests fail for want of vectors still leaves the column 21 wide.
    /// </summary>
    [Fact]
    public void Latest_chip_column_keeps_the_width_of_a_device_whose_requests_failed_irq_proc_update_chip()
    {
        var model = K.Model(out _, K.Options(KernelVersion.Latest, cpus: 1));
        model.RequestIrq(K.Pin(0, "ata0", 14));
        Assert.Throws<KernelSetupException>(() => model.RequestIrq(K.MsiX(1, "bignic", 256)));
        Assert.Contains("  14:          0  " + "IO-APIC".PadRight(21) + "   14-edge      ata0\n", model.ProcInterrupts.Render(), StringComparison.Ordinal);
    }

    /// <summary><c>irq_proc_calc_prec()</c> (newest kernel/irq/proc.c): 4 below 10000 irqs, then one more per power of ten, at most 10.</summary>
    [Theory]
    [InlineData(16, 4)]
    [InlineData(9999, 4)]
    [InlineData(10000, 5)]
    [InlineData(99999, 5)]
    [InlineData(100000, 6)]
    [InlineData(int.MaxValue, 10)]
    public void Latest_num_prec_starts_at_4_irq_proc_calc_prec(int totalNrIrqs, int prec)
    {
        Assert.Equal(prec, IrqLab.Kernel.Proc.ProcInterrupts.NumPrec(totalNrIrqs));
    }

    [Fact]
    public void Golden_text_6_1_classic_format()
    {
        Assert.Equal(Golden61, SmallMachine(KernelVersion.V6_1).ProcInterrupts.Render());
    }

    [Fact]
    public void Golden_text_latest_table_driven_format_hides_unfired_SPU_RTR_ERR_MIS()
    {
        Assert.Equal(GoldenLatest, SmallMachine(KernelVersion.Latest).ProcInterrupts.Render());
    }

    [Fact]
    public void Latest_shows_SPU_and_ERR_once_incremented_irq_stat_inc_and_enable()
    {
        var model = SmallMachine(KernelVersion.Latest);
        model.ExternalInterrupt(1, 0xff, EntryRoute.Idt);
        model.ExternalInterrupt(0, 0xfe, EntryRoute.Idt);
        var text = model.ProcInterrupts.Render();
        Assert.Contains("SPU:          0          1  Spurious interrupts\n", text);
        Assert.Contains("ERR:          1          0  PIC/APIC error interrupts\n", text);
        Assert.Equal(1UL, model.ProcInterrupts.Count("ERR", 0));
        Assert.Equal(0UL, model.ProcInterrupts.Count("ERR", 1));
    }

    /// <summary>
    /// arch/x86/kernel/irq.c arch_show_interrupts of 6.1, 6.6, 6.9 and 6.10 prints ERR and MIS with
    /// <c>"%*s: %10u\n"</c> from the global <c>atomic_t irq_err_count</c> / <c>irq_mis_count</c> (MIS inside
    /// CONFIG_X86_IO_APIC): one count, no per-CPU columns, no text. Only the table-driven irq.c of the newest tree counts
    /// them per CPU (irq_stat.counts[], <see cref="Latest_shows_SPU_and_ERR_once_incremented_irq_stat_inc_and_enable"/>).
    /// </summary>
    [Theory]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_6)]
    [InlineData(KernelVersion.V6_9)]
    [InlineData(KernelVersion.V6_10)]
    public void Classic_ERR_and_MIS_are_one_global_count_read_from_any_cpu(KernelVersion version)
    {
        var model = SmallMachine(version);
        model.ExternalInterrupt(1, 0xfe, EntryRoute.Idt);
        Assert.Equal(1UL, model.ProcInterrupts.Count("ERR", 0));
        var rows = model.ProcInterrupts.Rows();
        var err = rows.Single(r => r.Row == "ERR");
        Assert.Equal([1UL], err.Counts);
        Assert.Equal((true, (string?)null), (err.Global, err.Desc));
        var mis = rows.Single(r => r.Row == "MIS");
        Assert.Equal([0UL], mis.Counts);
        Assert.Equal((true, (string?)null), (mis.Global, mis.Desc));
        var text = model.ProcInterrupts.Render();
        Assert.Contains("ERR:          1\n", text);
        Assert.Contains("MIS:          0\n", text);
    }

    [Fact]
    public void Structured_rows_numeric_first_in_kernel_order()
    {
        var rows = SmallMachine(KernelVersion.V6_10).ProcInterrupts.Rows();
        Assert.Equal(["14", "24", "25", "NMI", "LOC"], rows.Take(5).Select(r => r.Row));
        var ata = rows[0];
        Assert.Equal(("IO-APIC", "14-edge", "ata0", (string?)null), (ata.Chip, ata.Hwirq, ata.Actions, ata.Desc));
        Assert.Equal("PCI-MSIX-0000:01:00.0", rows[1].Chip);
        Assert.Equal("0-edge", rows[1].Hwirq);
        var loc = rows[4];
        Assert.Equal([5UL, 3UL], loc.Counts);
        Assert.Equal("Local timer interrupts", loc.Desc);
        Assert.Contains(rows, r => r.Row == "PMN");
    }

    [Theory]
    [InlineData("SMP", "RES")]
    [InlineData("X86_THERMAL_VECTOR", "TRM")]
    [InlineData("HAVE_KVM", "PIN")]
    [InlineData("X86_MCE_AMD", "DFR")]
    public void Config_off_hides_its_row_arch_show_interrupts(string option, string row)
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_10, config: K.Config((option, false))));
        Assert.DoesNotContain(model.ProcInterrupts.Rows(), r => r.Row == row);
        Assert.DoesNotContain("\n" + row + ":", "\n" + model.ProcInterrupts.Render());
    }

    [Theory]
    [InlineData(KernelVersion.V6_1, false)]
    [InlineData(KernelVersion.V6_10, false)]
    [InlineData(KernelVersion.Latest, true)]
    public void TLB_row_without_SMP_only_in_the_table_driven_format_irq_c(KernelVersion version, bool shown)
    {
        // 6.1-6.10 arch/x86/kernel/irq.c: RES, CAL, TLB all inside #ifdef CONFIG_SMP. Newest irq.c: irq_stat_info[]
        // has ISS(TLB, "TLB", ...) after the #endif of CONFIG_SMP (IRQ_COUNT_TLB is unconditional in asm/hardirq.h).
        var model = K.Model(out _, K.Options(version, cpus: 1, config: K.Config(("SMP", false))));
        Assert.Equal(shown, model.ProcInterrupts.Rows().Any(r => r.Row == "TLB"));
        Assert.Equal(shown, model.ProcInterrupts.Render().Contains("TLB:", StringComparison.Ordinal));
        Assert.DoesNotContain(model.ProcInterrupts.Rows(), r => r.Row is "RES" or "CAL");
    }

    [Theory]
    [InlineData(KernelVersion.V6_9, false)]
    [InlineData(KernelVersion.V6_10, true)]
    [InlineData(KernelVersion.Latest, false)] // irq_init_stats(): hidden unless posted_msi_enabled() (interrupt remapping)
    public void PMN_row_from_6_10_hidden_in_latest_without_posted_msi_irq_c(KernelVersion version, bool shown)
    {
        var model = K.Model(out _, K.Options(version));
        Assert.Equal(shown, model.ProcInterrupts.Rows().Any(r => r.Row == "PMN"));
    }

    [Fact]
    public void MCE_rows_with_X86_MCE_and_HYP_rows_only_when_installed()
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_10, config: K.Config(("X86_MCE", true), ("HYPERV", true))));
        var labels = model.ProcInterrupts.Rows().Select(r => r.Row).ToList();
        Assert.Contains("MCE", labels);
        Assert.Contains("MCP", labels);
        Assert.DoesNotContain("HRE", labels);
        model.InstallSystemVector(0xee, "sysvec_hyperv_reenlightenment");
        model.InstallSystemVector(0xed, "sysvec_hyperv_stimer0");
        labels = [.. model.ProcInterrupts.Rows().Select(r => r.Row)];
        Assert.Equal(["HRE", "HVS", "ERR"], labels.SkipWhile(l => l != "HRE").Take(3));
    }

    [Fact]
    public void Classic_keeps_a_freed_irq_that_fired_latest_drops_it_proc_c()
    {
        foreach (var (version, shown) in new[] { (KernelVersion.V6_10, true), (KernelVersion.Latest, false) })
        {
            var model = K.Model(out _, K.Options(version));
            model.RequestIrq(K.Pin(1, "ata0", 14));
            var d = model.DescAt(14)!;
            model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
            model.FreeIrq(1);
            Assert.Equal(shown, model.ProcInterrupts.Rows().Any(r => r.Row == "14"));
        }
    }

    [Theory]
    [InlineData(999, 3)]
    [InlineData(1000, 4)]
    [InlineData(10000, 5)]
    public void Precision_grows_with_nr_irqs_proc_c(int nrIrqs, int prec)
    {
        Assert.Equal(prec, IrqLab.Kernel.Proc.ProcInterrupts.Precision(nrIrqs));
    }

    [Fact]
    public void Xt_pic_rows_print_no_hwirq_and_no_flow_name()
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_1, cpus: 1, ioapics: []));
        model.RequestIrq(K.Isa(1, "ata0", 14));
        model.ExternalInterrupt(0, 0x3e, EntryRoute.Idt);
        var text = model.ProcInterrupts.Render();
        Assert.Contains("  2:          0    XT-PIC      cascade\n", text);
        Assert.Contains(" 14:          1    XT-PIC      ata0\n", text);
        Assert.Null(model.ProcInterrupts.Rows().Single(r => r.Row == "14").Hwirq);
    }

    [Fact]
    public void Count_of_unknown_label_throws_and_unknown_irq_is_zero()
    {
        var model = K.Model(out _);
        Assert.Equal(0UL, model.ProcInterrupts.Count("99", 0));
        Assert.Throws<ArgumentException>(() => model.ProcInterrupts.Count("XYZ", 0));
    }
}
