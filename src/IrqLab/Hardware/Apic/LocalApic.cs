using System.Numerics;
using System.Runtime.CompilerServices;
using static IrqLab.Hardware.Apic.ApicConst;

namespace IrqLab.Hardware.Apic;

/// <summary>
/// One local APIC (xAPIC and x2APIC) with its timer: register interfaces (MMIO, MSR), the IRR/ISR/TMR/PPR
/// acceptance machinery, LVT local interrupts, the ICR, and the ESR (SDM Vol. 3A ch. 11; behaviour cross-checked
/// against KVM <c>arch/x86/kvm/lapic.c</c>, QEMU <c>hw/intc/apic.c</c> and Bochs <c>cpu/apic.cc</c>).
/// Messages are delivered instantly, so the delivery-status bits of the ICR and the LVT entries always read 0.
/// </summary>
public sealed partial class LocalApic
{
    private readonly ILocalApicHost _host;
    private readonly LocalApicOptions _options;
    private readonly uint _x2ApicId;
    // IRR, ISR and TMR as four 64-bit words each, stored inside the object (no separate arrays to reach).
    private VectorWords _irr;
    private VectorWords _isr;
    private VectorWords _tmr;
    private readonly uint[] _lvt = new uint[LvtCount];
    private readonly bool[] _lintAsserted = new bool[2];
    private uint _xapicId;
    private ulong _apicBase;
    private LocalApicMode _mode;
    private byte _tpr;
    private byte _ppr;
    private uint _ldr;
    private uint _dfr;
    private uint _svr;
    private uint _esr;
    private uint _esrShadow;
    private uint _icrLow;
    private uint _icrHigh;
    private bool _waitingForSipi;

    /// <summary>Creates the APIC of CPU <paramref name="index"/> in the state chosen by <paramref name="options"/>:
    /// CPU 0 is the BSP (IA32_APIC_BASE bit 8).</summary>
    public LocalApic(int index, uint apicId, ILocalApicHost host, LocalApicOptions options)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.TimerHz);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.TscHz);
        Index = index;
        _host = host;
        _options = options;
        _x2ApicId = apicId;
        _xapicId = apicId & 0xFF;
        _mode = options.X2Apic ? LocalApicMode.X2Apic : LocalApicMode.XApic;
        _apicBase = DefaultBaseAddress | BaseEnable | (index == 0 ? BaseBsp : 0) | (options.X2Apic ? BaseExtd : 0);
        ResetRegisters();
        _svr = 0x1FF;
        if (options.LinuxInit)
        {
            ApplyLinuxInit();
        }
    }

    /// <summary>CPU number.</summary>
    public int Index { get; }

    /// <summary>The x2APIC ID, fixed at creation (read-only in x2APIC mode, SDM §11.12.5.1), whatever the mode.</summary>
    internal uint X2ApicId => _x2ApicId;

    /// <summary>The mode count of the bus this APIC is on (see <see cref="ApicModeCensus"/>), told of every mode change.</summary>
    internal ApicModeCensus? Census { get; set; }

    /// <summary>The APIC ID used for destination matching: 32-bit x2APIC ID in x2APIC mode, else the 8-bit xAPIC ID
    /// (ID register bits 31:24).</summary>
    public uint ApicId => _mode == LocalApicMode.X2Apic ? _x2ApicId : _xapicId;

    /// <summary>Current mode (IA32_APIC_BASE EN/EXTD).</summary>
    public LocalApicMode Mode => _mode;

    /// <summary>The options this APIC was built with.</summary>
    public LocalApicOptions Options => _options;

    /// <summary>IA32_APIC_BASE (MSR 0x1B).</summary>
    public ulong ApicBase => _apicBase;

    /// <summary>Interrupt request register snapshot.</summary>
    public VectorBitmap256 Irr => new(_irr[0], _irr[1], _irr[2], _irr[3]);

    /// <summary>In-service register snapshot.</summary>
    public VectorBitmap256 Isr => new(_isr[0], _isr[1], _isr[2], _isr[3]);

    /// <summary>Trigger mode register snapshot (1 = last accepted as level).</summary>
    public VectorBitmap256 Tmr => new(_tmr[0], _tmr[1], _tmr[2], _tmr[3]);

    /// <summary>Task priority register (bits 7:4 class, 3:0 sub-class).</summary>
    public byte Tpr => _tpr;

    /// <summary>Processor priority register (SDM §11.8.3.1).</summary>
    public byte Ppr => _ppr;

    /// <summary>Spurious-interrupt vector register.</summary>
    public uint Svr => _svr;

    /// <summary>SVR bit 8: APIC software enable.</summary>
    public bool SoftwareEnabled => (_svr & SvrEnable) != 0;

    /// <summary>The spurious vector, SVR[7:0].</summary>
    public int SpuriousVector => (int)(_svr & SvrVectorMask);

    /// <summary>Logical destination register as it reads in the current mode (x2APIC: derived from the ID).</summary>
    public uint Ldr => _mode == LocalApicMode.X2Apic ? X2ApicLdr(_x2ApicId) : _ldr;

    /// <summary>Destination format register (xAPIC): bits 31:28 = 1111 flat, 0000 cluster; bits 27:0 read as 1.</summary>
    public uint Dfr => _dfr;

    /// <summary>Visible error status register (as last latched by an ESR write).</summary>
    public ApicErrorStatus Esr => (ApicErrorStatus)_esr;

    /// <summary>Errors collected since the last ESR write (become visible on the next write).</summary>
    public ApicErrorStatus PendingEsr => (ApicErrorStatus)_esrShadow;

    /// <summary>True after INIT on an AP until a start-up IPI is accepted (never on the BSP).</summary>
    public bool WaitingForSipi => _waitingForSipi;

    /// <summary>Fixed requests that found their vector already in IRR and merged with it.</summary>
    public long CoalescedCount { get; private set; }

    /// <summary>Fixed requests refused for an illegal vector (0-15).</summary>
    public long IllegalVectorCount { get; private set; }

    /// <summary>Fixed requests newly set in IRR.</summary>
    public long AcceptedCount { get; private set; }

    /// <summary>Fixed requests dropped because the APIC was software-disabled.</summary>
    public long DiscardedCount { get; private set; }

    /// <summary>Local interrupts (LVT) suppressed by the LVT mask bit.</summary>
    public long MaskedLocalCount { get; private set; }

    /// <summary>INTA cycles answered with the spurious vector.</summary>
    public long SpuriousCount { get; private set; }

    /// <summary>EOIs that cleared an ISR bit.</summary>
    public long EoiCount { get; private set; }

    /// <summary>Pending (IRR) requests dropped by INIT or by a switch to the disabled state (register reset): never
    /// delivered. In-service vectors were already delivered and are counted in <see cref="InServiceResetCount"/>.</summary>
    public long DroppedByResetCount { get; private set; }

    /// <summary>ISR bits cleared by a register reset instead of an EOI (their interrupts were delivered).</summary>
    public long InServiceResetCount { get; private set; }

    /// <summary>The x2APIC logical ID for an x2APIC ID: cluster (ID[19:4]) in bits 31:16, one-hot ID[3:0] in 15:0
    /// (SDM §11.12.10.2, KVM <c>kvm_apic_calc_x2apic_ldr</c>).</summary>
    public static uint X2ApicLdr(uint x2ApicId) => ((x2ApicId >> 4) << 16) | (1u << (int)(x2ApicId & 0xF));

    /// <summary>
    /// INTR: the APIC is hardware-enabled and the highest IRR class is above the PPR class (SDM §11.8.3.1). A
    /// software-disabled APIC accepts no new fixed interrupt, but what its IRR already holds stays deliverable: pending
    /// interrupts "are held and require masking or handling by the CPU" (SDM §11.4.7.2); KVM
    /// <c>kvm_apic_has_interrupt</c> checks only the hardware enable.
    /// </summary>
    public bool HasInterrupt
    {
        get
        {
            if (_mode == LocalApicMode.Disabled)
            {
                return false;
            }

            var v = HighestPendingVector();
            return v >= 0 && (v & 0xF0) > (_ppr & 0xF0);
        }
    }

    /// <summary>Highest vector set in IRR, or -1 (a four-word bit scan, no allocation).</summary>
    public int HighestPendingVector() => Highest(_irr);

    /// <summary>Highest vector set in ISR (the ISRV of SDM §11.8.3.1), or -1.</summary>
    public int HighestInServiceVector() => Highest(_isr);

    /// <summary>
    /// A message the bus routed to this APIC (SDM §11.6, §11.8.3): fixed and lowest-priority vectors go to IRR;
    /// NMI, SMI, INIT, SIPI and ExtINT are signalled to the CPU through the host (ExtINT as
    /// <see cref="ILocalApicHost.SignalExtIntMessage"/>).
    /// </summary>
    public AcceptResult Accept(in InterruptMessage message)
    {
        if (_mode == LocalApicMode.Disabled)
        {
            return AcceptResult.Discarded;
        }

        switch (message.DeliveryMode)
        {
            case DeliveryMode.Fixed:
            case DeliveryMode.LowestPriority:
                if (message.TriggerMode == TriggerMode.Level && !message.Assert)
                {
                    return AcceptResult.Discarded;
                }

                return AcceptFixed(message.Vector, message.TriggerMode == TriggerMode.Level);
            case DeliveryMode.Nmi:
                _host.SignalNmi(this);
                return AcceptResult.Signaled;
            case DeliveryMode.Smi:
                _host.SignalSmi(this);
                return AcceptResult.Signaled;
            case DeliveryMode.Init:
                // INIT level de-assert only re-synchronises arbitration IDs on P6; Pentium 4 and later ignore it.
                if (message.TriggerMode == TriggerMode.Level && !message.Assert)
                {
                    return AcceptResult.Discarded;
                }

                if (!_host.InterceptInit(this))
                {
                    Init();
                }

                return AcceptResult.Signaled;
            case DeliveryMode.StartUp:
                if (!_waitingForSipi)
                {
                    return AcceptResult.Discarded;
                }

                _waitingForSipi = false;
                _host.SignalStartup(this, message.Vector);
                return AcceptResult.Signaled;
            case DeliveryMode.ExtInt:
                _host.SignalExtIntMessage(this);
                return AcceptResult.Signaled;
            default:
                return AcceptResult.Discarded;
        }
    }

    /// <summary>
    /// INTA (SDM §11.8.4): the highest IRR vector moves to ISR if its class is still above the PPR class and is
    /// returned. If nothing is deliverable any more (e.g. TPR was raised after INTR was recognised) the spurious
    /// vector SVR[7:0] is returned and neither IRR nor ISR changes; its handler must not EOI (SDM §11.9).
    /// </summary>
    public int Acknowledge()
    {
        if (TryAcknowledge(out var v))
        {
            return v;
        }

        SpuriousCount++;
        return SpuriousVector;
    }

    /// <summary>
    /// INTR and INTA back to back, as the CPU does them at one instruction boundary: when an interrupt is deliverable
    /// (<see cref="HasInterrupt"/>) its vector moves from IRR to ISR and is returned in <paramref name="vector"/>;
    /// otherwise nothing changes and the result is false (no spurious vector: nothing was acknowledged).
    /// </summary>
    /// <param name="vector">The acknowledged vector, or -1.</param>
    public bool TryAcknowledge(out int vector)
    {
        var v = Highest(_irr);
        if (v < 0 || _mode == LocalApicMode.Disabled || (v & 0xF0) <= (_ppr & 0xF0))
        {
            vector = -1;
            return false;
        }

        var bit = 1UL << (v & 63);
        _irr[v >> 6] &= ~bit;
        _isr[v >> 6] |= bit;

        // v's class is above the PPR class, hence above every vector in service: v is the new ISRV.
        SetPpr(v);
        _host.InterruptLineChanged(this);
        vector = v;
        return true;
    }

    /// <summary>
    /// EOI (SDM §11.8.5): clears the highest ISR bit (not a given vector) and recomputes PPR; if that vector's TMR bit
    /// is set, broadcasts an EOI to the IOAPICs unless SVR bit 12 suppresses it. EOI with an empty ISR is ignored.
    /// </summary>
    public void Eoi()
    {
        var v = Highest(_isr);
        if (v < 0)
        {
            return;
        }

        var bit = 1UL << (v & 63);
        _isr[v >> 6] &= ~bit;
        EoiCount++;
        UpdatePpr();
        if ((_tmr[v >> 6] & bit) != 0)
        {
            if ((_svr & SvrSuppressEoiBroadcast) == 0)
            {
                _host.BroadcastEoi(this, v);
            }

            ClearLintRemoteIrr(v);
        }

        _host.InterruptLineChanged(this);
    }

    /// <summary>
    /// A local interrupt source changes state and is delivered through its LVT entry (SDM §11.5.1).
    /// <paramref name="level"/> is the asserted state after polarity: true asserts (an edge source delivers on every
    /// assert), false de-asserts (meaningful for level-triggered LINT pins, which re-deliver after EOI while asserted).
    /// </summary>
    public void RaiseLocal(LocalInterrupt source, bool level = true)
    {
        var lvt = source switch
        {
            LocalInterrupt.Lint0 => LvtLint0,
            LocalInterrupt.Lint1 => LvtLint1,
            LocalInterrupt.Thermal => LvtThermal,
            LocalInterrupt.Pmc => LvtPmc,
            LocalInterrupt.Cmci => LvtCmci,
            LocalInterrupt.Error => LvtError,
            _ => throw new ArgumentOutOfRangeException(nameof(source)),
        };
        if (lvt is LvtLint0 or LvtLint1)
        {
            _lintAsserted[lvt - LvtLint0] = level;
        }

        if (level)
        {
            DeliverLvt(lvt);
        }
    }

    /// <summary>Raw LVT entry for <paramref name="source"/>.</summary>
    public uint Lvt(LocalInterrupt source) => _lvt[source switch
    {
        LocalInterrupt.Lint0 => LvtLint0,
        LocalInterrupt.Lint1 => LvtLint1,
        LocalInterrupt.Thermal => LvtThermal,
        LocalInterrupt.Pmc => LvtPmc,
        LocalInterrupt.Cmci => LvtCmci,
        _ => LvtError,
    }];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Highest(in VectorWords words)
    {
        // Unrolled over the four words: no span is formed (cheap before the method is optimized, too).
        if (words[3] != 0)
        {
            return 192 + 63 - BitOperations.LeadingZeroCount(words[3]);
        }

        if (words[2] != 0)
        {
            return 128 + 63 - BitOperations.LeadingZeroCount(words[2]);
        }

        if (words[1] != 0)
        {
            return 64 + 63 - BitOperations.LeadingZeroCount(words[1]);
        }

        return words[0] != 0 ? 63 - BitOperations.LeadingZeroCount(words[0]) : -1;
    }

    private AcceptResult AcceptFixed(int vector, bool level)
    {
        if (vector < 16)
        {
            IllegalVectorCount++;
            SetError(ApicErrorStatus.ReceiveIllegalVector);
            return AcceptResult.IllegalVector;
        }

        if (!SoftwareEnabled)
        {
            DiscardedCount++;
            return AcceptResult.Discarded;
        }

        var w = vector >> 6;
        var bit = 1UL << (vector & 63);
        if (level)
        {
            _tmr[w] |= bit;
        }
        else
        {
            _tmr[w] &= ~bit;
        }

        if ((_irr[w] & bit) != 0)
        {
            CoalescedCount++;
            return AcceptResult.Coalesced;
        }

        _irr[w] |= bit;
        AcceptedCount++;
        _host.InterruptLineChanged(this);
        return AcceptResult.Accepted;
    }

    /// <summary>Delivers one LVT source; the mask bit suppresses it (SDM §11.5.1).</summary>
    private AcceptResult DeliverLvt(int lvt)
    {
        if (_mode == LocalApicMode.Disabled)
        {
            return AcceptResult.Discarded;
        }

        var entry = _lvt[lvt];
        if ((entry & LvtMasked) != 0)
        {
            MaskedLocalCount++;
            return AcceptResult.Discarded;
        }

        var mode = lvt is LvtTimer or LvtError ? 0u : (entry >> 8) & 7;
        var isLint = lvt is LvtLint0 or LvtLint1;
        AcceptResult result;
        switch (mode)
        {
            case 0:
                var level = isLint && (entry & LvtLevel) != 0;
                if (level && (entry & LvtRemoteIrr) != 0)
                {
                    return AcceptResult.Discarded;
                }

                result = AcceptFixed((int)(entry & LvtVector), level);
                if (level && result is AcceptResult.Accepted or AcceptResult.Coalesced)
                {
                    _lvt[lvt] |= LvtRemoteIrr;
                }

                break;
            case 2:
                _host.SignalSmi(this);
                result = AcceptResult.Signaled;
                break;
            case 4:
                _host.SignalNmi(this);
                result = AcceptResult.Signaled;
                break;
            case 5 when isLint:
                if (!_host.InterceptInit(this))
                {
                    Init();
                }

                result = AcceptResult.Signaled;
                break;
            case 7 when isLint:
                _host.SignalExtInt(this);
                result = AcceptResult.Signaled;
                break;
            default:
                return AcceptResult.Discarded;
        }

        if (lvt == LvtPmc)
        {
            // Intel: the APIC sets the LVT PMC mask bit when it delivers a performance-monitoring interrupt.
            _lvt[LvtPmc] |= LvtMasked;
        }

        return result;
    }

    private void ClearLintRemoteIrr(int vector)
    {
        for (var pin = 0; pin < 2; pin++)
        {
            var lvt = LvtLint0 + pin;
            var entry = _lvt[lvt];
            if ((entry & LvtRemoteIrr) != 0 && (entry & LvtVector) == (uint)vector)
            {
                _lvt[lvt] = entry & ~LvtRemoteIrr;
                if (_lintAsserted[pin] && (entry & LvtLevel) != 0)
                {
                    DeliverLvt(lvt);
                }
            }
        }
    }

    /// <summary>Records errors in the ESR shadow; a newly set bit fires the LVT error entry (SDM §11.5.3).</summary>
    private void SetError(ApicErrorStatus error)
    {
        var bits = (uint)error;
        if ((_esrShadow & bits) == bits)
        {
            return;
        }

        _esrShadow |= bits;
        DeliverLvt(LvtError);
    }

    /// <summary>PPR = TPR if TPR[7:4] &gt;= ISRV[7:4], else ISRV[7:4] &lt;&lt; 4 (SDM §11.8.3.1).</summary>
    private void UpdatePpr() => SetPpr(Highest(_isr));

    /// <summary>PPR from TPR and the highest in-service vector <paramref name="isrv"/> (-1: none), SDM §11.8.3.1.</summary>
    private void SetPpr(int isrv)
    {
        var isrClass = isrv < 0 ? 0 : isrv & 0xF0;
        _ppr = (_tpr & 0xF0) >= isrClass ? _tpr : (byte)isrClass;
    }

    private void SetTpr(byte value)
    {
        _tpr = value;
        UpdatePpr();
        _host.InterruptLineChanged(this);
    }

    /// <summary>INIT (SDM §11.4.7.3): every register takes its power-up value except the APIC ID and
    /// IA32_APIC_BASE; an AP then waits for a start-up IPI (SDM §8.4.1), while the BSP (IA32_APIC_BASE[8]) starts at
    /// the reset vector and ignores a SIPI.</summary>
    private void Init()
    {
        ResetRegisters();
        _waitingForSipi = (_apicBase & BaseBsp) == 0;
        _host.SignalInit(this);
        _host.InterruptLineChanged(this);
        _host.TimerChanged(this);
    }

    /// <summary>Power-up register values (SDM §11.4.7.1, §11.12.5.1).</summary>
    private void ResetRegisters()
    {
        _tpr = 0;
        _ppr = 0;
        _ldr = 0;
        _dfr = 0xFFFF_FFFF;
        _svr = 0xFF;
        DroppedByResetCount += Irr.Count;
        InServiceResetCount += Isr.Count;
        _irr = default;
        _isr = default;
        _tmr = default;
        _esr = 0;
        _esrShadow = 0;
        _icrLow = 0;
        _icrHigh = 0;
        for (var i = 0; i < LvtCount; i++)
        {
            _lvt[i] = LvtMasked;
        }

        // _lintAsserted is not register state: it is the electrical level of the LINT0/LINT1 pins (the 8259's INT
        // stays high through an INIT or an APIC disable), so a level-sensitive LINT entry unmasked later still sees it.
        ResetTimer();
    }

    /// <summary>The state Linux <c>setup_local_apic</c>/<c>lapic_setup_esr</c> leaves behind (x86-64); the LDR only
    /// under the logical flat driver (<see cref="LocalApicOptions.LinuxLogicalFlat"/>). LVT PMC is NMI, unmasked:
    /// <c>setup_local_APIC()</c> calls <c>perf_events_lapic_init()</c> (arch/x86/events/core.c), which writes
    /// <c>APIC_LVTPC = APIC_DM_NMI</c> ("Always use NMI for PMU") once the software enable is set.</summary>
    private void ApplyLinuxInit()
    {
        _svr = 0x1FF;
        _lvt[LvtPmc] = 4u << 8;
        _lvt[LvtLint0] = (7u << 8) | LvtMasked;
        _lvt[LvtLint1] = (4u << 8) | (Index == 0 ? 0 : LvtMasked);
        _lvt[LvtError] = 0xFE;
        _lvt[LvtTimer] = 0xEC | LvtMasked;
        if (_mode == LocalApicMode.XApic && _options.LinuxLogicalFlat && Index < 8)
        {
            _ldr = 1u << (24 + Index);
        }
    }

    /// <summary>256 vector bits as four 64-bit words (bit v of word v / 64), inline in the APIC.</summary>
    [InlineArray(4)]
    private struct VectorWords
    {
        private ulong _word0;
    }
}
