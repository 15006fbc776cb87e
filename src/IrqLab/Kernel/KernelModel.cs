using IrqLab.Kernel.Entry;
using IrqLab.Kernel.Irq;
using IrqLab.Kernel.Matrix;
using IrqLab.Kernel.Proc;
using IrqLab.Kernel.Sysvec;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;

namespace IrqLab.Kernel;

/// <summary>
/// The Linux x86-64 interrupt dispatch model: vector layout, system vector table, per-CPU <c>vector_irq</c>, irq
/// descriptors with flow handlers, the spurious detector, the vector matrix and /proc/interrupts. It talks to the machine
/// only through <see cref="IKernelPlatform"/>.
/// </summary>
/// <remarks>
/// Setup order: the constructor fills the system vector table per Kconfig; <see cref="InstallSystemVector"/> calls made
/// before <see cref="CompleteSetup"/> are init-time installs (<c>sysvec_install()</c> from a guest's <c>init_platform</c>);
/// <see cref="CompleteSetup"/> (<c>fred_complete_exception_setup()</c>) seals the table. The first dispatch seals it too
/// (interrupts are enabled only after init), so scenario <c>install</c> steps before the first <c>advance</c> succeed and later
/// ones are refused as after-setup.
/// </remarks>
public sealed partial class KernelModel
{
    private const string CommonInterruptName = "common_interrupt";
    private readonly IKernelPlatform _platform;

    // The options the entry code depends on (exception handlers built in), read once from Options.
    private readonly EntryConfig _entryConfig;
    private readonly VectorIrqTable[] _vectorIrq;
    private readonly Dictionary<long, IrqDesc> _byDeviceIndex = [];
    private readonly int[] _gsiBase;
    private readonly int _gsiTop;

    // ioapic_dynirq_base (arch/x86/kernel/apic/io_apic.c mp_irqdomain_create()): the end of the IO-APICs with a static
    // (IOAPIC_DOMAIN_LEGACY) domain; and the irq each GSI got, -1 while none (the dynamic domains number on first use).
    private readonly int _ioapicDynirqBase;
    private readonly int[] _gsiIrq;
    private readonly int[] _allCpus;
    private readonly RateLimit _noHandlerRateLimit = new();
    private readonly HashSet<string> _warnedOnce = new(StringComparer.Ordinal);
    private readonly int _nrCpus;
    private readonly int _firstSystemVector;
    private readonly int _moveCleanupVector;
    private readonly bool _cfi;
    private IrqDesc?[] _irqs = new IrqDesc?[64];
    private readonly ulong[] _archCounts;

    // cpu_online_mask, cleared by stop_this_cpu() (set_cpu_online(cpu, false)); there is no CPU hotplug otherwise.
    private readonly bool[] _offline;
    // Every CPU's vector_irq[] descriptor slots, CPU-major: [cpu * 256 + vector] (see VectorIrqTable).
    private readonly IrqDesc?[] _vectorIrqDescs;
    private SysvecSlot[]? _sysvecSlots;
    private int _dieCounter;

    // mask_and_ack_8259A()'s static spurious_irq_mask: the irqs whose spurious 8259A interrupt was reported.
    private int _spurious8259Reported;

    // elcr_set_level_irq()'s static elcr_irq_mask: the legacy irqs already set level-triggered.
    private int _elcrLevelIrqs;

    // i8259.c's i8259A_auto_eoi: check_timer() (machines with an IO-APIC) ran init_8259A(1), which also made the chip's
    // irq_mask_ack disable_8259A_irq instead of mask_and_ack_8259A.
    private bool _i8259AutoEoi;

    /// <summary>
    /// i8259.c's <c>i8259A_auto_eoi</c>: the kernel's last <c>init_8259A()</c> put the master 8259 in auto-EOI mode
    /// (<c>check_timer()</c> on a machine with an IO-APIC and a PIC), so the platform programs ICW4 with AEOI.
    /// </summary>
    public bool I8259AutoEoi => _i8259AutoEoi;

    // unknown_nmi_error()'s two pr_emerg_ratelimited() call sites, each with its own ratelimit state (6.9 on); cold,
    // declared last so that they do not move the dispatch path's fields in the object.
    private readonly RateLimit _unknownNmiRateLimit = new();
    private readonly RateLimit _dazedRateLimit = new();

    // CONFIG_X86_THERMAL_VECTOR, which clear_local_APIC() tests on every REBOOT_VECTOR (a flag, not a lookup by name).
    private readonly bool _thermalVector;

    /// <summary>Builds the model: layout, system vector table (filled per config), vector matrix, legacy irqs.</summary>
    public KernelModel(KernelOptions options, IKernelPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(platform);
        if (options.Cpus < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Cpus, "at least one CPU");
        }

        Options = options;
        _platform = platform;
        _entryConfig = EntryConfig.FromKconfig(options.IsEnabled, options.Version);
        Layout = VectorLayout.For(options.Version, options.IsEnabled("X86_LOCAL_APIC"));
        SystemVectors = new SystemVectorTable(Layout, options.Variant, options.Config);
        _nrCpus = options.Cpus;
        _firstSystemVector = Layout.FirstSystemVector;
        _moveCleanupVector = Layout.MoveCleanupVector?.Vector ?? -1;
        _cfi = options.Cfi;
        _thermalVector = options.IsEnabled("X86_THERMAL_VECTOR");
        _allCpus = new int[options.Cpus];
        _offline = new bool[options.Cpus];
        for (var c = 0; c < options.Cpus; c++)
        {
            _allCpus[c] = c;
        }

        _gsiBase = new int[options.IoApicPins.Count];
        for (var i = 0; i < _gsiBase.Length; i++)
        {
            _gsiBase[i] = _gsiTop;
            _gsiTop += options.IoApicPins[i];

            // acpi_parse_ioapic() (arch/x86/kernel/acpi/boot.c): "Statically assign IRQ numbers for IOAPICs hosting legacy
            // IRQs" (gsi_base < nr_legacy_irqs(), still 16 while the MADT is parsed); every other IO-APIC gets an
            // IOAPIC_DOMAIN_DYNAMIC domain. Only the static ones move ioapic_dynirq_base.
            if (_gsiBase[i] < VectorSpace.NrIrqsLegacy)
            {
                _ioapicDynirqBase = _gsiTop;
            }
        }

        _gsiIrq = new int[_gsiTop];
        Array.Fill(_gsiIrq, -1);

        // arch_early_irq_init(): irq_alloc_matrix(NR_VECTORS, FIRST_EXTERNAL_VECTOR, FIRST_SYSTEM_VECTOR);
        // lapic_assign_system_vectors(): system_vectors bits inside the range, and the PIC cascade (ISA_IRQ_VECTOR(2)).
        Matrix = new VectorMatrix(options.Cpus, VectorSpace.FirstExternalVector, Layout.FirstSystemVector);
        if (Layout.MoveCleanupVector is { } cleanup && options.IsEnabled("SMP"))
        {
            Matrix.AssignSystem(cleanup.Vector);
        }

        if (options.IsEnabled("IA32_EMULATION") && options.Delivery == DeliveryKind.Idt && VectorSpace.Ia32SyscallVector < Layout.FirstSystemVector)
        {
            Matrix.AssignSystem(VectorSpace.Ia32SyscallVector);
        }

        if (options.HasPic)
        {
            Matrix.AssignSystem(VectorSpace.IsaIrqVector(2));
        }

        for (var c = 0; c < options.Cpus; c++)
        {
            Matrix.Online(c);
        }

        _vectorIrq = new VectorIrqTable[options.Cpus];
        _vectorIrqDescs = new IrqDesc?[options.Cpus * VectorSpace.NrVectors];
        for (var c = 0; c < options.Cpus; c++)
        {
            _vectorIrq[c] = new VectorIrqTable(_vectorIrqDescs, c * VectorSpace.NrVectors);
        }

        ProcInterrupts = new ProcInterrupts(this);
        _archCounts = ProcInterrupts.Counts;
        SetupLegacyPic();
    }

    /// <summary>The options the model was built from.</summary>
    public KernelOptions Options { get; }

    /// <summary>The vector layout of the version (with or without a local APIC).</summary>
    public VectorLayout Layout { get; }

    /// <summary>The system vector table.</summary>
    public SystemVectorTable SystemVectors { get; }

    /// <summary>The vector allocator.</summary>
    public VectorMatrix Matrix { get; }

    /// <summary>Counters and rendering of /proc/interrupts.</summary>
    public ProcInterrupts ProcInterrupts { get; }

    /// <summary>True when a platform driver registered <c>x86_platform_ipi_callback</c> (shows the PLT row); default false.</summary>
    public bool PlatformIpiCallback { get; set; }

    /// <summary>
    /// False once <paramref name="cpu"/> left <c>cpu_online_mask</c>: <c>stop_this_cpu()</c> (REBOOT_VECTOR) clears its
    /// bit, and nothing in the model sets it again (the kernel's own CPU bring-up is not modelled).
    /// </summary>
    public bool IsCpuOnline(int cpu)
    {
        CheckCpu(cpu);
        return !_offline[cpu];
    }

    /// <summary>True once the system vector table is sealed.</summary>
    public bool IsSetupComplete => SystemVectors.IsSealed;

    /// <summary>GSI count over all IO-APICs (<c>gsi_top</c>).</summary>
    public int GsiTop => _gsiTop;

    /// <summary>
    /// <c>nr_irqs</c> as <c>arch_probe_nr_irqs()</c> sizes it (used for the /proc/interrupts column width):
    /// <c>gsi_top + 16 + 8*cpus</c> plus MSI room (<c>8*cpus</c> if <c>gsi_top &lt;= 16</c>, else <c>16*gsi_top</c>), capped at
    /// <c>256*cpus</c>, and never below the highest allocated irq + 1.
    /// </summary>
    public int NrIrqs
    {
        get
        {
            long cpus = Options.Cpus;
            var nr = _gsiTop + VectorSpace.NrIrqsLegacy + (8 * cpus) + (_gsiTop <= 16 ? 8 * cpus : _gsiTop * 16L);
            nr = Math.Min(nr, 256 * cpus);
            return (int)Math.Max(nr, IrqLimit);
        }
    }

    internal int IrqLimit { get; private set; }

    /// <summary>
    /// The length of the longest irq chip name set up so far: <c>irq_proc_update_chip()</c> (newest kernel/irq/proc.c)
    /// widens /proc/interrupts' chip column from <c>irq_set_chip()</c> and <c>irq_domain_set_hwirq_and_chip()</c>, and never
    /// narrows it, so a device's chip counts from the moment its irqs are allocated, even when its requests then fail.
    /// </summary>
    internal int LongestChipName { get; private set; }

    /// <summary>Records that a chip named <paramref name="chipName"/> was set on an irq (<see cref="LongestChipName"/>).</summary>
    private void NoteChipName(string chipName) => LongestChipName = Math.Max(LongestChipName, chipName.Length);

    /// <summary>The descriptor of <paramref name="irq"/>, or null.</summary>
    public IrqDesc? DescAt(int irq) => (uint)irq < (uint)_irqs.Length ? _irqs[irq] : null;

    /// <summary>The irq of a device's vector <paramref name="index"/> (0 for wired lines), or -1.</summary>
    public int IrqOfDevice(int device, int index) =>
        _byDeviceIndex.TryGetValue(Key(device, index), out var d) ? d.Irq : -1;

    /// <summary>One CPU's <c>vector_irq[]</c>.</summary>
    public VectorIrqTable VectorIrq(int cpu) => _vectorIrq[cpu];

    /// <summary>Stores a sentinel in <c>vector_irq[vector]</c> of <paramref name="cpu"/> (tests, CPU-offline models).</summary>
    public void SetVectorIrq(int cpu, int vector, VectorIrqKind kind) => _vectorIrq[cpu].SetSentinel(vector, kind);

    /// <summary>Seals the system vector table (<c>fred_complete_exception_setup()</c> / <c>idt_setup_done</c>).</summary>
    public void CompleteSetup() => SystemVectors.Seal();

    /// <summary>
    /// Runtime <c>sysvec_install()</c>. Refusals (below FIRST_SYSTEM_VECTOR, after setup, slot taken) never throw: they
    /// return the reason and a WARN-style line, which is logged like the kernel's WARN (once per site for the
    /// <c>WARN_ON_ONCE</c> of <c>fred_install_sysvec</c>, every time for the <c>WARN_ON</c> of the IDT installers).
    /// </summary>
    public InstallResult InstallSystemVector(int vector, string handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (Options.Variant == KernelVariant.Rfc2022)
        {
            return InstallRfc2022(vector, handler);
        }

        var r = SystemVectors.Install(vector, handler);
        if (r.Installed)
        {
            return r;
        }

        var (file, func, once, cond) = InstallSite(r.Refusal);
        var text = WarningLine(0, file, func, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{(once ? "WARN_ON_ONCE" : "WARN_ON")}({cond}): vector 0x{vector:x2} handler {handler} not installed"));
        if (!once || _warnedOnce.Add(func + cond))
        {
            _platform.Log(0, KernelLogLevel.Warning, text);
        }

        return r with { Message = text };
    }

    /// <summary>
    /// rfc-2022 <c>install_system_interrupt_handler()</c> (see <see cref="SystemVectorTable.InstallRfc2022"/>): below
    /// FIRST_SYSTEM_VECTOR its <c>BUG_ON</c> fires (kernel BUG line + oops, nothing stored); otherwise the table entry is
    /// replaced and <c>alloc_intr_gate()</c> (6.1 <c>arch/x86/kernel/idt.c</c>) WARNs every time it refuses the gate.
    /// </summary>
    private InstallResult InstallRfc2022(int vector, string handler)
    {
        var r = SystemVectors.InstallRfc2022(vector, handler);
        if (r.Refusal == InstallRefusal.BelowFirstSystemVector)
        {
            _platform.Log(0, KernelLogLevel.Crit, Rfc2022InstallBug);
            Oops(0, "invalid opcode");
            return r with { Message = Rfc2022InstallBug };
        }

        // A table store after the first dispatch must reach the software route's slots.
        _sysvecSlots = null;
        if (r.Installed)
        {
            return r;
        }

        var cond = r.Refusal == InstallRefusal.SetupDone ? "idt_setup_done" : "test_and_set_bit(n, system_vectors)";
        var text = WarningLine(0, "arch/x86/kernel/idt.c", "alloc_intr_gate", string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"WARN_ON({cond}): vector 0x{vector:x2} gate {handler} not installed"));
        _platform.Log(0, KernelLogLevel.Warning, text);
        return r with { Message = text };
    }

    /// <summary>Sets what every action of <paramref name="device"/> returns from now on.</summary>
    public void SetHandlerReturn(int device, HandlerReturn returns)
    {
        foreach (var d in _byDeviceIndex.Values)
        {
            foreach (var a in d.ActionArray)
            {
                if (a.Device == device)
                {
                    a.Returns = returns;
                }
            }
        }
    }

    /// <summary>The 256-entry vector table for <c>irqlab vectors</c>, reflecting this model's slots (installs included).</summary>
    public IReadOnlyList<VectorTableEntry> VectorTable() => KernelVectorTable.Build(Layout, SystemVectors, Options);

    private (string File, string Func, bool Once, string Cond) InstallSite(InstallRefusal refusal)
    {
        if (Options.Delivery == DeliveryKind.Fred)
        {
            var (file, func) = ("arch/x86/entry/entry_fred.c", "fred_install_sysvec");
            return (file, func, true, refusal switch
            {
                InstallRefusal.BelowFirstSystemVector => "sysvec < FIRST_SYSTEM_VECTOR",
                InstallRefusal.SetupDone => "fred_setup_done",
                _ => "sysvec_table[sysvec - FIRST_SYSTEM_VECTOR]",
            });
        }

        var idtFunc = Options.Version >= KernelVersion.V6_9 ? "idt_install_sysvec" : "alloc_intr_gate";
        return ("arch/x86/kernel/idt.c", idtFunc, false, refusal switch
        {
            InstallRefusal.BelowFirstSystemVector => "n < FIRST_SYSTEM_VECTOR",
            InstallRefusal.SetupDone => "idt_setup_done",
            _ => "test_and_set_bit(n, system_vectors)",
        });
    }

    private void CheckCpu(int cpu)
    {
        if ((uint)cpu >= (uint)_nrCpus)
        {
            ThrowNoSuchCpu(cpu);
        }
    }

    private static long Key(int device, int index) => ((long)device << 20) | (uint)index;

    private void StoreDesc(IrqDesc desc)
    {
        if (desc.Irq >= _irqs.Length)
        {
            Array.Resize(ref _irqs, Math.Max(_irqs.Length * 2, desc.Irq + 1));
        }

        _irqs[desc.Irq] = desc;
        IrqLimit = Math.Max(IrqLimit, desc.Irq + 1);
        NoteChipName(desc.ChipName);
    }

    /// <summary>
    /// The header <c>__die_header()</c> (arch/x86/kernel/dumpstack.c) prints: <c>"%s: %04lx [#%d]..."</c> with
    /// <c>err &amp; 0xffff</c>, the error code <c>die()</c>/<c>__die()</c> was given (0 for the invalid-opcode and
    /// double-fault paths, the event's error code for <c>fred_bad_type()</c>).
    /// </summary>
    private void Oops(int cpu, string what, ulong errorCode = 0)
    {
        var prefix = Options.Version >= KernelVersion.V6_10 ? "Oops: " : string.Empty;
        var smp = Options.IsEnabled("SMP") ? " SMP" : string.Empty;
        _platform.Log(cpu, KernelLogLevel.Warning,
            string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{prefix}{what}: {errorCode & 0xFFFF:x4} [#{++_dieCounter}]{smp} NOPTI"));
    }
}
