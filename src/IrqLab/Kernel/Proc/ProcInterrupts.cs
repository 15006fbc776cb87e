using System.Globalization;
using System.Text;
using IrqLab.Kernel.Irq;
using IrqLab.Vectors;

namespace IrqLab.Kernel.Proc;

/// <summary>
/// The model's /proc/interrupts: per-CPU counters of the named rows, the irq rows from the descriptors, the kernel text
/// (<c>show_interrupts</c> in <c>kernel/irq/proc.c</c> + <c>arch_show_interrupts</c> in <c>arch/x86/kernel/irq.c</c>) and a
/// structured list for JSON. 6.1-6.10 use the classic format; <c>latest</c> uses the newest known (table-driven) format.
/// </summary>
public sealed class ProcInterrupts
{
    private static readonly ArchRow[] s_classicOrder =
    [
        ArchRow.Nmi, ArchRow.Loc, ArchRow.Spu, ArchRow.Pmi, ArchRow.Iwi, ArchRow.Rtr, ArchRow.Plt, ArchRow.Res, ArchRow.Cal,
        ArchRow.Tlb, ArchRow.Trm, ArchRow.Thr, ArchRow.Dfr, ArchRow.Mce, ArchRow.Mcp, ArchRow.Hyp, ArchRow.Hre, ArchRow.Hvs,
        ArchRow.Err, ArchRow.Mis, ArchRow.Pin, ArchRow.Npi, ArchRow.Piw, ArchRow.Pmn,
    ];

    private static readonly ArchRow[] s_latestOrder =
    [
        ArchRow.Nmi, ArchRow.Loc, ArchRow.Spu, ArchRow.Pmi, ArchRow.Iwi, ArchRow.Rtr, ArchRow.Plt, ArchRow.Res, ArchRow.Cal,
        ArchRow.Tlb, ArchRow.Trm, ArchRow.Thr, ArchRow.Dfr, ArchRow.Mce, ArchRow.Mcp, ArchRow.Hyp, ArchRow.Hre, ArchRow.Hvs,
        ArchRow.Pin, ArchRow.Npi, ArchRow.Piw, ArchRow.Vpmi, ArchRow.Pmn, ArchRow.Err, ArchRow.Mis,
    ];

    private static readonly string[] s_labels =
    [
        "NMI", "LOC", "SPU", "PMI", "IWI", "RTR", "PLT", "RES", "CAL", "TLB", "TRM", "THR", "DFR", "MCE", "MCP", "HYP", "HRE",
        "HVS", "ERR", "MIS", "PIN", "NPI", "PIW", "VPMI", "PMN",
    ];

    private static readonly string?[] s_texts =
    [
        "Non-maskable interrupts", "Local timer interrupts", "Spurious interrupts", "Performance monitoring interrupts",
        "IRQ work interrupts", "APIC ICR read retries", "Platform interrupts", "Rescheduling interrupts",
        "Function call interrupts", "TLB shootdowns", "Thermal event interrupts", "Threshold APIC interrupts",
        "Deferred Error APIC interrupts", "Machine check exceptions", "Machine check polls", "Hypervisor callback interrupts",
        "Hyper-V reenlightenment interrupts", "Hyper-V stimer0 interrupts", "PIC/APIC error interrupts",
        "Misrouted IO/APIC interrupts", "Posted-interrupt notification event", "Nested posted-interrupt event",
        "Posted-interrupt wakeup event", "Perf Guest Mediated PMI", "Posted MSI notification event",
    ];

    private readonly KernelModel _model;
    private readonly ulong[] _counts;
    private readonly int _cpus;
    private readonly bool _tableDriven;

    internal ProcInterrupts(KernelModel model)
    {
        _model = model;
        _cpus = model.Options.Cpus;
        _counts = new ulong[s_labels.Length * _cpus];
        _tableDriven = model.Options.Version == KernelVersion.Latest;
    }

    /// <summary>True when the row labelled <paramref name="label"/> exists in the model (whether printed or not).</summary>
    public static bool IsArchLabel(string label) => Array.IndexOf(s_labels, label) >= 0;

    /// <summary>The labels of all named rows the model knows, in <see cref="ArchRow"/> order (whether printed or not).</summary>
    public static IReadOnlyList<string> ArchLabels => s_labels;

    /// <summary>
    /// True when <paramref name="row"/> names a row /proc/interrupts can have: a named row's label (<see cref="ArchLabels"/>)
    /// or a decimal irq number (digits only, fitting an <see cref="int"/>), as <see cref="Count"/> accepts it.
    /// </summary>
    public static bool IsRowName(string row) => IsArchLabel(row) || TryParseIrq(row, out _);

    /// <summary>The label of a named row ("LOC").</summary>
    public static string LabelOf(ArchRow row) => s_labels[(int)row];

    /// <summary>The named row for a label, or null.</summary>
    public static ArchRow? RowOf(string label)
    {
        var i = Array.IndexOf(s_labels, label);
        return i < 0 ? null : (ArchRow)i;
    }

    /// <summary>The counters, row-major (<c>row * cpus + cpu</c>): the system vector handlers count into them directly.</summary>
    internal ulong[] Counts => _counts;

    /// <summary>Increments a named row on <paramref name="cpu"/> (hot path, allocation-free).</summary>
    public void Increment(ArchRow row, int cpu) => _counts[((int)row * _cpus) + cpu]++;

    /// <summary>The per-CPU value of a named row.</summary>
    public ulong Get(ArchRow row, int cpu) => _counts[((int)row * _cpus) + cpu];

    /// <summary>Sum of a named row over all CPUs.</summary>
    public ulong Total(ArchRow row)
    {
        ulong s = 0;
        for (var c = 0; c < _cpus; c++)
        {
            s += _counts[((int)row * _cpus) + c];
        }

        return s;
    }

    /// <summary>
    /// The count an <c>expect: {row, cpu}</c> sees: an irq number ("14") reads that irq's count on <paramref name="cpu"/>
    /// (0 if there is no such irq); a label reads the named row; the global ERR/MIS counters of 6.1-6.10 read their total
    /// whatever the CPU. Unknown labels throw <see cref="ArgumentException"/>.
    /// </summary>
    public ulong Count(string row, int cpu)
    {
        if ((uint)cpu >= (uint)_cpus)
        {
            throw new ArgumentOutOfRangeException(nameof(cpu), cpu, "no such CPU");
        }

        if (TryParseIrq(row, out var irq))
        {
            return _model.DescAt(irq)?.Kstat(cpu) ?? 0;
        }

        var r = RowOf(row) ?? throw new ArgumentException($"no /proc/interrupts row '{row}'", nameof(row));
        return IsGlobal(r) ? Total(r) : Get(r, cpu);
    }

    /// <summary>
    /// Why <paramref name="row"/> is not in this kernel's /proc/interrupts now (a sentence naming the row), or null when it is. A named row is there
    /// when this version and config print it (<see cref="IsVisible(ArchRow)"/>), counting the rows the table-driven format skips
    /// only while their count is zero (SPU, RTR, ERR, MIS) as there with 0; an irq row is there when the kernel prints that
    /// irq (<c>show_interrupts</c>: a descriptor with an action, or in 6.1-6.10 also one with a nonzero count).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="row"/> is not a row name (<see cref="IsRowName"/>).</exception>
    public string? WhyAbsent(string row)
    {
        if (TryParseIrq(row, out var irq))
        {
            return _model.DescAt(irq) is { } d && ShowsIrq(d) ? null : $"row {row} is not in /proc/interrupts: no action is registered on irq {irq}";
        }

        var r = RowOf(row) ?? throw new ArgumentException($"no /proc/interrupts row '{row}'", nameof(row));
        return IsVisible(r, countZeroSkipAsShown: true) ? null : $"row {row} is not in /proc/interrupts for this kernel and config";
    }

    private static bool TryParseIrq(string row, out int irq) =>
        int.TryParse(row, NumberStyles.None, CultureInfo.InvariantCulture, out irq);

    /// <summary>True when the row is a single global counter in this version (ERR, MIS before the table-driven format).</summary>
    public bool IsGlobal(ArchRow row) => !_tableDriven && row is ArchRow.Err or ArchRow.Mis;

    /// <summary>True when the kernel of this version and config prints <paramref name="row"/> now (§1.4 guards).</summary>
    public bool IsVisible(ArchRow row) => IsVisible(row, countZeroSkipAsShown: false);

    // countZeroSkipAsShown: treat the rows the table-driven format prints only once their count is nonzero as printed.
    private bool IsVisible(ArchRow row, bool countZeroSkipAsShown)
    {
        var hideWhileZero = _tableDriven && !countZeroSkipAsShown;
        var o = _model.Options;
        var lapic = o.IsEnabled("X86_LOCAL_APIC");
        var table = _model.SystemVectors;
        var hvCallback = o.IsEnabled("HYPERV") || o.IsEnabled("ACRN_GUEST") || o.IsEnabled("XEN_PVHVM") || o.IsEnabled("KVM_GUEST");
        return row switch
        {
            ArchRow.Nmi => true,
            ArchRow.Loc or ArchRow.Pmi or ArchRow.Iwi => lapic,
            ArchRow.Spu or ArchRow.Rtr => lapic && (!hideWhileZero || Total(row) > 0),
            ArchRow.Plt => lapic && _model.PlatformIpiCallback,
            ArchRow.Res or ArchRow.Cal => o.IsEnabled("SMP"),
            // 6.1-6.10 print TLB inside #ifdef CONFIG_SMP after CAL; the table-driven irq_stat_info[] lists
            // ISS(TLB, ...) outside it (arch/x86/kernel/irq.c and asm/hardirq.h IRQ_COUNT_TLB, newest tree).
            ArchRow.Tlb => _tableDriven || o.IsEnabled("SMP"),
            ArchRow.Trm => o.IsEnabled("X86_THERMAL_VECTOR"),
            ArchRow.Thr => o.IsEnabled("X86_MCE_THRESHOLD"),
            ArchRow.Dfr => o.IsEnabled("X86_MCE_AMD"),
            ArchRow.Mce or ArchRow.Mcp => o.IsEnabled("X86_MCE"),
            ArchRow.Hyp => hvCallback && table.IsFilled(0xf3),
            ArchRow.Hre => o.IsEnabled("HYPERV") && table.IsFilled(0xee),
            ArchRow.Hvs => o.IsEnabled("HYPERV") && table.IsFilled(0xed),
            ArchRow.Err => !hideWhileZero || Total(row) > 0,
            ArchRow.Mis => lapic && (!hideWhileZero || Total(row) > 0),
            ArchRow.Pin or ArchRow.Npi or ArchRow.Piw => o.IsEnabled("HAVE_KVM"),
            ArchRow.Vpmi => _tableDriven && o.IsEnabled("GUEST_PERF_EVENTS"),
            // 6.10-6.19 print PMN whenever CONFIG_X86_POSTED_MSI is built in; the table-driven irq_init_stats() also
            // hides it unless posted_msi_enabled(), which needs interrupt remapping (the model has none).
            ArchRow.Pmn => o.Version >= KernelVersion.V6_10 && o.IsEnabled("X86_POSTED_MSI") && !_tableDriven,
            _ => false,
        };
    }

    /// <summary>The rows the kernel prints, in its order (irq rows first), as structured data.</summary>
    public IReadOnlyList<ProcInterruptsRow> Rows()
    {
        var rows = new List<ProcInterruptsRow>();

        // Rows of irqs that never fired share one array of zeros: thousands of MSI-X rows on 4096 CPUs would
        // otherwise hold a copy each (docs/reliability.md "Resource bounds").
        ulong[]? zeros = null;
        for (var irq = 0; irq < _model.IrqLimit; irq++)
        {
            var d = _model.DescAt(irq);
            if (d is null || !ShowsIrq(d))
            {
                continue;
            }

            ulong[] counts;
            if (d.HasKstat)
            {
                counts = new ulong[_cpus];
                for (var c = 0; c < _cpus; c++)
                {
                    counts[c] = d.Kstat(c);
                }
            }
            else
            {
                counts = zeros ??= new ulong[_cpus];
            }

            string? hw = d.HasDomain
                ? d.Hwirq.ToString(CultureInfo.InvariantCulture) + (d.FlowName is null ? string.Empty : "-" + d.FlowName)
                : d.FlowName;
            rows.Add(new ProcInterruptsRow(irq.ToString(CultureInfo.InvariantCulture), counts, d.ChipName, hw, d.ActionNames(), null, false));
        }

        foreach (var r in _tableDriven ? s_latestOrder : s_classicOrder)
        {
            if (!IsVisible(r))
            {
                continue;
            }

            if (IsGlobal(r))
            {
                rows.Add(new ProcInterruptsRow(LabelOf(r), [Total(r)], null, null, null, null, true));
                continue;
            }

            var counts = new ulong[_cpus];
            for (var c = 0; c < _cpus; c++)
            {
                counts[c] = Get(r, c);
            }

            rows.Add(new ProcInterruptsRow(LabelOf(r), counts, null, null, null, s_texts[(int)r], false));
        }

        return rows;
    }

    /// <summary>
    /// The text of /proc/interrupts. Header <c>prec + 8</c> spaces and <c>"CPU%-8d"</c> per CPU. 6.1-6.10
    /// (<c>show_interrupts()</c>, kernel/irq/proc.c): irq rows <c>"%*d: "</c>, <c>"%10u "</c> per CPU, <c>" %8s"</c> chip,
    /// hwirq <c>" %*lu"</c> (<c>" %*s"</c> blanks without a domain). <c>latest</c> (<c>irq_seq_show()</c> of the newest
    /// kernel/irq/proc.c, whose <c>irq_proc_emit_counts()</c> the table-driven arch/x86/kernel/irq.c prints with): the
    /// width <c>num_prec</c> is at least 4 (<c>irq_proc_calc_prec()</c>); irq rows <c>"%*u:"</c>, <c>" %10u"</c> per CPU,
    /// a two-space gap, the chip left-aligned in <c>chip_width</c> columns (the longest chip name registered, at least 8:
    /// <c>irq_proc_update_chip()</c>), a space, hwirq in <c>num_prec</c> columns (<c>" %*s"</c> blanks without a
    /// domain). Both then <c>"-%-8s"</c> flow name, <c>"  %s"</c> and <c>", %s"</c> actions. Named rows: classic
    /// <c>"%*s: "</c> + <c>"%10u "</c> per CPU + "  text", ERR/MIS <c>"%*s: %10u"</c>; latest <c>"%*s:"</c> +
    /// <c>" %10u"</c> per CPU + "  text". Counts print as 32-bit unsigned like the kernel's <c>%10u</c>.
    /// </summary>
    public string Render()
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        Render(text);
        return text.ToString();
    }

    /// <summary>
    /// Writes the text of <see cref="Render()"/> to <paramref name="output"/> a line at a time, so that a large machine's
    /// table (4096 CPUs × thousands of irqs is hundreds of megabytes) is never held in memory.
    /// </summary>
    public void Render(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var prec = _tableDriven ? NumPrec(_model.NrIrqs) : Precision(_model.NrIrqs);
        var chipWidth = _tableDriven ? ChipWidth() : 8;
        var sb = new StringBuilder();
        sb.Append(' ', prec + 8);
        for (var c = 0; c < _cpus; c++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"CPU{c,-8}");
        }

        sb.Append('\n');
        Emit(output, sb);
        for (var irq = 0; irq < _model.IrqLimit; irq++)
        {
            var d = _model.DescAt(irq);
            if (d is null || !ShowsIrq(d))
            {
                continue;
            }

            if (_tableDriven)
            {
                sb.Append(irq.ToString(CultureInfo.InvariantCulture).PadLeft(prec)).Append(':');
                for (var c = 0; c < _cpus; c++)
                {
                    sb.Append(' ').Append(((uint)d.Kstat(c)).ToString(CultureInfo.InvariantCulture).PadLeft(10));
                }

                // irq_seq_show(): seq_write(p, "  ", 2), then "%-*s" in chip_width, a space, the hwirq in num_prec
                // columns or, without a domain, " %*s" (num_prec + 1 blanks).
                sb.Append("  ").Append(d.ChipName.PadRight(chipWidth)).Append(' ');
                sb.Append(d.HasDomain ? d.Hwirq.ToString(CultureInfo.InvariantCulture).PadLeft(prec) : new string(' ', prec + 1));
            }
            else
            {
                sb.Append(irq.ToString(CultureInfo.InvariantCulture).PadLeft(prec)).Append(": ");
                for (var c = 0; c < _cpus; c++)
                {
                    sb.Append(((uint)d.Kstat(c)).ToString(CultureInfo.InvariantCulture).PadLeft(10)).Append(' ');
                }

                sb.Append(' ').Append(d.ChipName.PadLeft(8)).Append(' ');
                sb.Append(d.HasDomain ? d.Hwirq.ToString(CultureInfo.InvariantCulture).PadLeft(prec) : new string(' ', prec));
            }

            if (d.FlowName is not null)
            {
                sb.Append('-').Append(d.FlowName.PadRight(8));
            }

            for (var i = 0; i < d.Actions.Count; i++)
            {
                sb.Append(i == 0 ? "  " : ", ").Append(d.Actions[i].Name);
            }

            sb.Append('\n');
            Emit(output, sb);
        }

        foreach (var r in _tableDriven ? s_latestOrder : s_classicOrder)
        {
            if (!IsVisible(r))
            {
                continue;
            }

            var label = LabelOf(r).PadLeft(prec);
            if (IsGlobal(r))
            {
                sb.Append(label).Append(": ").Append(((uint)Total(r)).ToString(CultureInfo.InvariantCulture).PadLeft(10)).Append('\n');
                Emit(output, sb);
                continue;
            }

            sb.Append(label).Append(_tableDriven ? ":" : ": ");
            for (var c = 0; c < _cpus; c++)
            {
                var n = ((uint)Get(r, c)).ToString(CultureInfo.InvariantCulture).PadLeft(10);
                if (_tableDriven)
                {
                    sb.Append(' ').Append(n);
                }
                else
                {
                    sb.Append(n).Append(' ');
                }
            }

            sb.Append("  ").Append(s_texts[(int)r]).Append('\n');
            Emit(output, sb);
        }
    }

    /// <summary>Writes one finished line and empties the builder for the next.</summary>
    private static void Emit(TextWriter output, StringBuilder line)
    {
        foreach (var chunk in line.GetChunks())
        {
            output.Write(chunk.Span);
        }

        line.Clear();
    }

    /// <summary><c>prec</c> of <c>show_interrupts</c>: 3, plus one per power of ten up to <c>nr_irqs</c> (at most 10).</summary>
    public static int Precision(int nrIrqs)
    {
        var prec = 3;
        for (long j = 1000; prec < 10 && j <= nrIrqs; ++prec)
        {
            j *= 10;
        }

        return prec;
    }

    /// <summary>
    /// <c>num_prec</c> of the newest kernel/irq/proc.c (<c>irq_proc_calc_prec()</c>): 4, plus one per power of ten from
    /// 10000 up to <c>total_nr_irqs</c> (at most 10); the <c>latest</c> /proc/interrupts pads irq numbers, labels and
    /// hwirqs to it.
    /// </summary>
    public static int NumPrec(int totalNrIrqs)
    {
        var prec = 4;
        for (long n = 10000; prec < 10 && n <= totalNrIrqs; ++prec)
        {
            n *= 10;
        }

        return prec;
    }

    /// <summary>
    /// <c>chip_width</c> of the newest kernel/irq/proc.c: at least 8, widened by <c>irq_proc_update_chip()</c> to the
    /// longest name of a chip set on any irq (<c>irq_set_chip()</c>, <c>irq_domain_set_hwirq_and_chip()</c>), never
    /// narrowed (<see cref="KernelModel.LongestChipName"/>).
    /// </summary>
    private int ChipWidth() => Math.Max(8, _model.LongestChipName);

    private bool ShowsIrq(IrqDesc d) =>
        _tableDriven ? d.Actions.Count > 0 : d.Actions.Count > 0 || d.KstatSum() > 0;
}
