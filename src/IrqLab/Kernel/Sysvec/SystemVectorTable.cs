using IrqLab.Scenarios.Model;
using IrqLab.Vectors;

namespace IrqLab.Kernel.Sysvec;

/// <summary>
/// The system vector table: <c>NR_SYSTEM_VECTORS</c> typed slots indexed by <c>vector - FIRST_SYSTEM_VECTOR</c>.
/// Mainline: <c>sysvec_table[]</c> of <c>arch/x86/entry/entry_fred.c</c> (6.9+), every slot an exactly typed
/// <c>fred_sysvec_*</c> wrapper (<c>idtentry_t</c>), empty slots filled with <c>fred_handle_spurious_interrupt</c> by
/// <c>fred_complete_exception_setup()</c>. rfc-2022: <c>system_interrupt_handler_table[]</c> of the Nov 2022 series, of type
/// <c>void (*)(struct pt_regs *, unsigned long)</c>, default <c>spurious_interrupt</c>, <c>sysvec_*(regs)</c> cast into it.
/// Filled per Kconfig at construction, open for runtime installs until <see cref="Seal"/>, read-only afterwards.
/// </summary>
public sealed class SystemVectorTable
{
    private readonly SysvecHandler?[] _slots;

    // rfc-2022 only: the IDT gates, which install_system_interrupt_handler() sets through alloc_intr_gate() and which can
    // therefore differ from the software table (null for mainline, where the table and the gates are set together).
    private readonly SysvecHandler?[]? _gates;
    private readonly bool[] _bitSet;
    private readonly SysvecHandler _spurious;
    private readonly KernelVariant _variant;

    /// <summary>Builds the table of <paramref name="layout"/> for <paramref name="variant"/>, filled with the handlers whose Kconfig guard is on.</summary>
    public SystemVectorTable(VectorLayout layout, KernelVariant variant, IReadOnlyDictionary<string, bool> config)
    {
        Layout = layout;
        _variant = variant;
        FirstSystemVector = layout.FirstSystemVector;
        _slots = new SysvecHandler?[layout.NrSystemVectors];
        _bitSet = new bool[layout.NrSystemVectors];
        TableType = variant == KernelVariant.Mainline ? SysvecHandlerType.IdtEntry : SysvecHandlerType.RegsVector;
        _spurious = variant == KernelVariant.Mainline
            ? new SysvecHandler("spurious_interrupt", "fred_handle_spurious_interrupt", SysvecHandlerType.IdtEntry, SysvecBehavior.Spurious, "SPU")
            : new SysvecHandler("spurious_interrupt", "spurious_interrupt", SysvecHandlerType.RegsVector, SysvecBehavior.Spurious, "SPU");
        foreach (var info in layout.SystemVectors)
        {
            if (info.Install == SystemVectorInstall.Static && info.Handler is not null &&
                (info.Config is null || (config.TryGetValue(info.Config, out var on) && on)))
            {
                _slots[info.Vector - FirstSystemVector] = CreateHandler(info.Handler);
            }
        }

        if (variant == KernelVariant.Rfc2022)
        {
            _gates = (SysvecHandler?[])_slots.Clone();
        }
    }

    /// <summary>The layout the table belongs to.</summary>
    public VectorLayout Layout { get; }

    /// <summary><c>FIRST_SYSTEM_VECTOR</c>.</summary>
    public int FirstSystemVector { get; }

    /// <summary><c>NR_SYSTEM_VECTORS</c>: the number of slots.</summary>
    public int Count => _slots.Length;

    /// <summary>The type of the table's function pointers (what the kCFI check at the call site expects).</summary>
    public SysvecHandlerType TableType { get; }

    /// <summary>True after <see cref="Seal"/> (<c>fred_setup_done</c>; the table is <c>__ro_after_init</c>).</summary>
    public bool IsSealed { get; private set; }

    /// <summary>The variant's default (spurious) handler.</summary>
    public SysvecHandler SpuriousHandler => _spurious;

    /// <summary>
    /// The handler at slot <paramref name="index"/>, clamped as <c>array_index_nospec(index, NR_SYSTEM_VECTORS)</c> does under
    /// mis-speculation (out-of-range indexes read slot 0). An empty slot reads as the spurious handler, and so does any
    /// index of a table without slots (no CONFIG_X86_LOCAL_APIC: FIRST_SYSTEM_VECTOR is NR_VECTORS and NR_SYSTEM_VECTORS
    /// 0, arch/x86/include/asm/irq_vectors.h), where there is no slot 0 to clamp to.
    /// </summary>
    public SysvecHandler Lookup(int index)
    {
        if ((uint)index < (uint)_slots.Length)
        {
            return _slots[index] ?? _spurious;
        }

        return _slots.Length == 0 ? _spurious : _slots[0] ?? _spurious;
    }

    /// <summary>The handler for system vector <paramref name="vector"/> (clamped like <see cref="Lookup"/>).</summary>
    public SysvecHandler ForVector(int vector) => Lookup(vector - FirstSystemVector);

    /// <summary>
    /// The handler the IDT gate of system vector <paramref name="vector"/> reaches: the table's for mainline; for rfc-2022
    /// the gate <c>alloc_intr_gate()</c> set, which a later <c>install_system_interrupt_handler()</c> can leave behind
    /// the table (see <see cref="Install"/>).
    /// </summary>
    public SysvecHandler GateForVector(int vector)
    {
        if (_gates is null)
        {
            return ForVector(vector);
        }

        var i = vector - FirstSystemVector;
        return ((uint)i < (uint)_gates.Length ? _gates[i] : null) ?? _spurious;
    }

    /// <summary>True when the slot was filled by a real handler (its bit is set in <c>system_vectors</c>).</summary>
    public bool IsFilled(int vector)
    {
        var i = vector - FirstSystemVector;
        return (uint)i < (uint)_slots.Length && (IsSealed ? _bitSet[i] : (_gates ?? _slots)[i] is not null);
    }

    /// <summary>
    /// Runtime install with the rules of <c>fred_install_sysvec()</c> (<c>arch/x86/entry/entry_fred.c</c>): below
    /// FIRST_SYSTEM_VECTOR → refused; after setup → refused; slot taken → refused and not overwritten. Never throws for those.
    /// </summary>
    public InstallResult Install(int vector, string handler)
    {
        if (vector < FirstSystemVector || vector >= VectorSpace.NrVectors)
        {
            return new InstallResult(false, InstallRefusal.BelowFirstSystemVector, null);
        }

        if (IsSealed)
        {
            return new InstallResult(false, InstallRefusal.SetupDone, null);
        }

        var i = vector - FirstSystemVector;
        if (_slots[i] is not null)
        {
            return new InstallResult(false, InstallRefusal.SlotTaken, null);
        }

        _slots[i] = CreateHandler(handler);
        return new InstallResult(true, InstallRefusal.None, null);
    }

    /// <summary>
    /// <c>install_system_interrupt_handler()</c> of the Nov 2022 series (patch 3/6, <c>arch/x86/kernel/traps.c</c>,
    /// Message-Id 20221110055347.7463-4-xin3.li@intel.com): <c>BUG_ON(n &lt; FIRST_SYSTEM_VECTOR)</c>, then an
    /// unconditional store into the (no longer const) <c>system_interrupt_handler_table</c>, then
    /// <c>alloc_intr_gate(n, asm_addr)</c>, whose <c>WARN_ON(idt_setup_done)</c> / <c>WARN_ON(test_and_set_bit(n,
    /// system_vectors))</c> leave the IDT gate (and the <c>system_vectors</c> bit) as they were. So a taken slot or a late
    /// install still replaces the table's entry while the gate keeps the old handler. The refusal reported is the
    /// <c>alloc_intr_gate()</c> one (None when the gate was set too); <see cref="InstallResult.Installed"/> tells whether
    /// the gate was set. Only for rfc-2022.
    /// </summary>
    public InstallResult InstallRfc2022(int vector, string handler)
    {
        if (_gates is null)
        {
            throw new InvalidOperationException("install_system_interrupt_handler() exists only in the rfc-2022 variant");
        }

        if (vector < FirstSystemVector || vector >= VectorSpace.NrVectors)
        {
            return new InstallResult(false, InstallRefusal.BelowFirstSystemVector, null);
        }

        var i = vector - FirstSystemVector;
        var h = CreateHandler(handler);
        _slots[i] = h;
        if (IsSealed)
        {
            return new InstallResult(false, InstallRefusal.SetupDone, null);
        }

        if (_gates[i] is not null)
        {
            return new InstallResult(false, InstallRefusal.SlotTaken, null);
        }

        _gates[i] = h;
        return new InstallResult(true, InstallRefusal.None, null);
    }

    /// <summary>
    /// <c>fred_complete_exception_setup()</c>: records which slots are filled (<c>system_vectors</c>), stores the spurious
    /// handler in every empty slot and makes the table read-only. Idempotent.
    /// </summary>
    public void Seal()
    {
        if (IsSealed)
        {
            return;
        }

        for (var i = 0; i < _slots.Length; i++)
        {
            _bitSet[i] = (_gates ?? _slots)[i] is not null;
            _slots[i] ??= _spurious;
            if (_gates is not null)
            {
                _gates[i] ??= _spurious;
            }
        }

        IsSealed = true;
    }

    /// <summary>True when a call through the table to <paramref name="handler"/> fails the kCFI type check.</summary>
    public bool FailsCfi(SysvecHandler handler) => handler.Type != TableType;

    /// <summary>
    /// Creates the slot object for C handler <paramref name="name"/>: mainline stores the exactly typed <c>fred_</c> wrapper;
    /// rfc-2022 stores <c>sysvec_*</c> itself, cast to the table type (declared type stays <c>idtentry_t</c>).
    /// </summary>
    public SysvecHandler CreateHandler(string name)
    {
        if (name == "spurious_interrupt")
        {
            return _spurious;
        }

        var (behavior, row) = Describe(name);
        var symbol = _variant == KernelVariant.Mainline ? "fred_" + name : name;
        return new SysvecHandler(name, symbol, SysvecHandlerType.IdtEntry, behavior, row);
    }

    /// <summary>Behaviour and /proc/interrupts row of a known <c>sysvec_*</c> handler (unknown names: EOI only, no row).</summary>
    public static (SysvecBehavior Behavior, string? Row) Describe(string name) => name switch
    {
        "sysvec_spurious_apic_interrupt" => (SysvecBehavior.SpuriousApic, "SPU"),
        "sysvec_error_interrupt" => (SysvecBehavior.Error, "ERR"),
        "sysvec_reschedule_ipi" => (SysvecBehavior.Reschedule, "RES"),
        "sysvec_call_function" => (SysvecBehavior.CallFunction, "CAL"),
        "sysvec_call_function_single" => (SysvecBehavior.CallFunction, "CAL"),
        "sysvec_thermal" => (SysvecBehavior.Thermal, "TRM"),
        "sysvec_threshold" => (SysvecBehavior.Threshold, "THR"),
        "sysvec_reboot" => (SysvecBehavior.Reboot, null),
        "sysvec_x86_platform_ipi" => (SysvecBehavior.PlatformIpi, "PLT"),
        "sysvec_irq_work" => (SysvecBehavior.IrqWork, "IWI"),
        "sysvec_deferred_error" => (SysvecBehavior.DeferredError, "DFR"),
        "sysvec_hyperv_callback" or "sysvec_acrn_hv_callback" or "sysvec_xen_hvm_callback" or "sysvec_kvm_asyncpf_interrupt"
            => (SysvecBehavior.HypervisorCallback, "HYP"),
        "sysvec_kvm_posted_intr_ipi" => (SysvecBehavior.PostedIntr, "PIN"),
        "sysvec_kvm_posted_intr_wakeup_ipi" => (SysvecBehavior.PostedIntrWakeup, "PIW"),
        "sysvec_kvm_posted_intr_nested_ipi" => (SysvecBehavior.PostedIntrNested, "NPI"),
        "sysvec_hyperv_reenlightenment" => (SysvecBehavior.HypervReenlightenment, "HRE"),
        "sysvec_hyperv_stimer0" => (SysvecBehavior.HypervStimer0, "HVS"),
        "sysvec_apic_timer_interrupt" => (SysvecBehavior.ApicTimer, "LOC"),
        "sysvec_posted_msi_notification" => (SysvecBehavior.PostedMsiNotification, "PMN"),
        "sysvec_perf_guest_mediated_pmi_handler" => (SysvecBehavior.PerfGuestMediatedPmi, "VPMI"),
        "sysvec_irq_move_cleanup" => (SysvecBehavior.MoveCleanup, null),
        _ => (SysvecBehavior.Custom, null),
    };
}
