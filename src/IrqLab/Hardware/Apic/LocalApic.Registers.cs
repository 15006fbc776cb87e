using static IrqLab.Hardware.Apic.ApicConst;

namespace IrqLab.Hardware.Apic;

/// <content>Register interfaces: xAPIC MMIO, x2APIC MSRs, IA32_APIC_BASE and the ICR.</content>
public sealed partial class LocalApic
{
    /// <summary>
    /// xAPIC MMIO read of the 32-bit register at <paramref name="offset"/> in the 4 KiB page (SDM Table 11-1).
    /// Not decoded outside xAPIC mode (SDM §11.12.2); reserved offsets read 0 and set ESR bit 7.
    /// </summary>
    public ApicAccessResult ReadMmio(uint offset, out uint value)
    {
        var readable = IsMmioReadable(offset, out var reserved);
        if (reserved)
        {
            SetError(ApicErrorStatus.IllegalRegisterAddress);
        }

        value = readable ? (uint)ReadOffset(offset) : 0;
        return readable ? ApicAccessResult.Ok : ApicAccessResult.Ignored;
    }

    /// <summary>
    /// What <see cref="ReadMmio"/> returns, with no side effect: a reserved offset reads 0 without setting ESR bit 7.
    /// For an <c>expect</c>, which only looks.
    /// </summary>
    public uint PeekMmio(uint offset) => IsMmioReadable(offset, out _) ? (uint)ReadOffset(offset) : 0;

    /// <summary>
    /// Whether an xAPIC MMIO read at <paramref name="offset"/> returns a register: only in xAPIC mode, at a 16-byte
    /// aligned offset of the page, not the write-only EOI. <paramref name="reserved"/>: a decoded offset that names no
    /// register (a read by an instruction sets ESR bit 7).
    /// </summary>
    private bool IsMmioReadable(uint offset, out bool reserved)
    {
        reserved = false;
        if (_mode != LocalApicMode.XApic || (offset & 0xF) != 0 || offset >= 0x1000 || offset == OffEoi)
        {
            return false;
        }

        reserved = !IsXApicRegister(offset);
        return !reserved;
    }

    /// <summary>
    /// xAPIC MMIO write (SDM Table 11-1): read-only registers ignore writes; reserved offsets set ESR bit 7; writes
    /// to ICR low send the IPI; writes to ESR latch the collected errors.
    /// </summary>
    public ApicAccessResult WriteMmio(uint offset, uint value)
    {
        if (_mode != LocalApicMode.XApic || (offset & 0xF) != 0 || offset >= 0x1000)
        {
            return ApicAccessResult.Ignored;
        }

        if (!IsXApicRegister(offset))
        {
            SetError(ApicErrorStatus.IllegalRegisterAddress);
            return ApicAccessResult.Ignored;
        }

        switch (offset)
        {
            case OffId:
                _xapicId = value >> 24;
                return ApicAccessResult.Ok;
            case OffTpr:
                SetTpr((byte)value);
                return ApicAccessResult.Ok;
            case OffEoi:
                Eoi();
                return ApicAccessResult.Ok;
            case OffLdr:
                _ldr = value & 0xFF00_0000;
                return ApicAccessResult.Ok;
            case OffDfr:
                _dfr = value | 0x0FFF_FFFF;
                return ApicAccessResult.Ok;
            case OffSvr:
                WriteSvr(value & SvrWritable);
                return ApicAccessResult.Ok;
            case OffEsr:
                LatchEsr();
                return ApicAccessResult.Ok;
            case OffIcrHigh:
                _icrHigh = value & 0xFF00_0000;
                return ApicAccessResult.Ok;
            case OffIcrLow:
                _icrLow = value & IcrWritableLow;
                SendIcr(_icrLow, _icrHigh >> 24);
                return ApicAccessResult.Ok;
            case OffTimerInitial:
                WriteTimerInitial(value);
                return ApicAccessResult.Ok;
            case OffTimerDivide:
                WriteTimerDivide(value & DivideWritable);
                return ApicAccessResult.Ok;
            default:
                var lvt = LvtIndex(offset);
                if (lvt >= 0)
                {
                    WriteLvt(lvt, value & LvtWritable(lvt));
                    return ApicAccessResult.Ok;
                }

                return ApicAccessResult.Ignored; // read-only register
        }
    }

    /// <summary>
    /// RDMSR: IA32_TIME_STAMP_COUNTER (0x10) and IA32_TSC_ADJUST (0x3B) of this CPU, IA32_APIC_BASE (0x1B),
    /// IA32_TSC_DEADLINE (0x6E0), x2APIC registers 0x800-0x8FF (only in x2APIC mode; unlisted, write-only and absent
    /// registers raise #GP, SDM §11.12.1.2).
    /// </summary>
    public ApicAccessResult ReadMsr(uint msr, out ulong value)
    {
        value = 0;
        if (msr is MsrTsc or MsrTscAdjust)
        {
            value = ReadTscMsr(msr);
            return ApicAccessResult.Ok;
        }

        if (msr == MsrApicBase)
        {
            value = _apicBase;
            return ApicAccessResult.Ok;
        }

        if (msr == MsrTscDeadline)
        {
            value = IsTscDeadlineMode && _mode != LocalApicMode.Disabled ? _tscDeadline : 0;
            return ApicAccessResult.Ok;
        }

        if (msr is < MsrX2ApicFirst or > MsrX2ApicLast || _mode != LocalApicMode.X2Apic)
        {
            return ApicAccessResult.GeneralProtection;
        }

        var offset = (msr - MsrX2ApicFirst) << 4;
        if (msr == MsrIcr)
        {
            value = ((ulong)_icrHigh << 32) | _icrLow;
            return ApicAccessResult.Ok;
        }

        if (!IsX2ApicRegister(offset) || offset is OffEoi or OffSelfIpi)
        {
            return ApicAccessResult.GeneralProtection;
        }

        value = ReadOffset(offset);
        return ApicAccessResult.Ok;
    }

    /// <summary>
    /// WRMSR: IA32_TIME_STAMP_COUNTER and IA32_TSC_ADJUST (SDM Vol. 3B §18.17.3), IA32_APIC_BASE mode transitions
    /// (SDM §11.12.5), IA32_TSC_DEADLINE (§11.5.4.1) and x2APIC registers: non-zero reserved bits, read-only registers
    /// and unlisted MSRs raise #GP (SDM §11.12.1.2, §11.12.1.3).
    /// </summary>
    public ApicAccessResult WriteMsr(uint msr, ulong value)
    {
        if (msr is MsrTsc or MsrTscAdjust)
        {
            WriteTscMsr(msr, value);
            return ApicAccessResult.Ok;
        }

        if (msr == MsrApicBase)
        {
            return WriteApicBase(value);
        }

        if (msr == MsrTscDeadline)
        {
            WriteTscDeadline(value);
            return ApicAccessResult.Ok;
        }

        if (msr is < MsrX2ApicFirst or > MsrX2ApicLast || _mode != LocalApicMode.X2Apic)
        {
            return ApicAccessResult.GeneralProtection;
        }

        if (msr == MsrIcr)
        {
            if ((value & X2ApicIcrReserved) != 0)
            {
                return ApicAccessResult.GeneralProtection;
            }

            _icrLow = (uint)value & IcrWritableLow;
            _icrHigh = (uint)(value >> 32);
            SendIcr(_icrLow, _icrHigh);
            return ApicAccessResult.Ok;
        }

        var offset = (msr - MsrX2ApicFirst) << 4;
        if ((value >> 32) != 0 || !IsX2ApicRegister(offset))
        {
            return ApicAccessResult.GeneralProtection;
        }

        var low = (uint)value;
        switch (offset)
        {
            case OffTpr:
                if (low > 0xFF)
                {
                    return ApicAccessResult.GeneralProtection;
                }

                SetTpr((byte)low);
                return ApicAccessResult.Ok;
            case OffEoi:
                if (low != 0)
                {
                    return ApicAccessResult.GeneralProtection;
                }

                Eoi();
                return ApicAccessResult.Ok;
            case OffSvr:
                if ((low & ~SvrWritable) != 0)
                {
                    return ApicAccessResult.GeneralProtection;
                }

                WriteSvr(low);
                return ApicAccessResult.Ok;
            case OffEsr:
                if (low != 0)
                {
                    return ApicAccessResult.GeneralProtection;
                }

                LatchEsr();
                return ApicAccessResult.Ok;
            case OffTimerInitial:
                WriteTimerInitial(low);
                return ApicAccessResult.Ok;
            case OffTimerDivide:
                if ((low & ~DivideWritable) != 0)
                {
                    return ApicAccessResult.GeneralProtection;
                }

                WriteTimerDivide(low);
                return ApicAccessResult.Ok;
            case OffSelfIpi:
                if (low > 0xFF)
                {
                    return ApicAccessResult.GeneralProtection;
                }

                SendSelfIpi((byte)low);
                return ApicAccessResult.Ok;
            default:
                var lvt = LvtIndex(offset);
                if (lvt < 0)
                {
                    return ApicAccessResult.GeneralProtection; // read-only register
                }

                var writable = LvtWritable(lvt);
                if ((low & ~(writable | LvtReadOnly(lvt))) != 0
                    || (lvt == LvtTimer && ((low >> LvtTimerModeShift) & 3) == TimerModeReserved))
                {
                    return ApicAccessResult.GeneralProtection;
                }

                WriteLvt(lvt, low & writable);
                return ApicAccessResult.Ok;
        }
    }

    /// <summary>Writes a register by name through the current interface: MMIO in xAPIC mode (ICR: high word first,
    /// then the low word, which sends), MSR in x2APIC mode. Ignored while the APIC is disabled.</summary>
    public ApicAccessResult WriteRegister(ApicRegister reg, ulong value)
    {
        switch (_mode)
        {
            case LocalApicMode.XApic:
                if (reg == ApicRegister.Icr)
                {
                    WriteMmio(OffIcrHigh, (uint)(value >> 32));
                    return WriteMmio(OffIcrLow, (uint)value);
                }

                return WriteMmio(OffsetOf(reg), (uint)value);
            case LocalApicMode.X2Apic:
                return WriteMsr(MsrX2ApicFirst + (OffsetOf(reg) >> 4), value);
            default:
                return ApicAccessResult.Ignored;
        }
    }

    /// <summary>Reads a register by name without side effects, in the format of the current mode (xAPIC format
    /// when disabled). Isr/Irr/Tmr give their first 32-bit word; use the bitmap properties for all of it. Icr is
    /// high &lt;&lt; 32 | low. TimerCurrent follows <see cref="ILocalApicHost.NowNs"/>.</summary>
    public ulong PeekRegister(ApicRegister reg) => reg switch
    {
        ApicRegister.Icr => ((ulong)_icrHigh << 32) | _icrLow,
        ApicRegister.SelfIpi or ApicRegister.Eoi => 0,
        _ => ReadOffset(OffsetOf(reg)),
    };

    /// <summary>
    /// Reads a register by name as software does: RDMSR in x2APIC mode, so the registers x2APIC mode does not have
    /// (APR, DFR) and the write-only ones (EOI, SELF IPI) raise #GP (SDM Table 11-6, §11.12.1.2); otherwise
    /// <see cref="PeekRegister"/> (xAPIC, and the xAPIC format while disabled). SELF IPI in xAPIC mode is the reserved
    /// offset 0x3F0: the read gives 0 and sets ESR bit 7 (SDM §11.5.3), as a write there does.
    /// </summary>
    public ApicAccessResult ReadRegister(ApicRegister reg, out ulong value)
    {
        if (_mode == LocalApicMode.X2Apic)
        {
            return ReadMsr(MsrX2ApicFirst + (OffsetOf(reg) >> 4), out value);
        }

        if (reg == ApicRegister.SelfIpi && _mode == LocalApicMode.XApic)
        {
            ReadMmio(OffSelfIpi, out _);
            value = 0;
            return ApicAccessResult.Ok;
        }

        value = PeekRegister(reg);
        return ApicAccessResult.Ok;
    }

    /// <summary>MMIO offset of a named register (SELF IPI: 0x3F0, whose MSR is 0x83F).</summary>
    public static uint OffsetOf(ApicRegister reg) => reg switch
    {
        ApicRegister.Id => OffId,
        ApicRegister.Version => OffVersion,
        ApicRegister.Tpr => OffTpr,
        ApicRegister.Apr => OffApr,
        ApicRegister.Ppr => OffPpr,
        ApicRegister.Eoi => OffEoi,
        ApicRegister.Ldr => OffLdr,
        ApicRegister.Dfr => OffDfr,
        ApicRegister.Svr => OffSvr,
        ApicRegister.Isr => OffIsr,
        ApicRegister.Tmr => OffTmr,
        ApicRegister.Irr => OffIrr,
        ApicRegister.Esr => OffEsr,
        ApicRegister.Icr => OffIcrLow,
        ApicRegister.LvtCmci => OffLvtCmci,
        ApicRegister.LvtTimer => OffLvtTimer,
        ApicRegister.LvtThermal => 0x330,
        ApicRegister.LvtPmc => 0x340,
        ApicRegister.LvtLint0 => 0x350,
        ApicRegister.LvtLint1 => 0x360,
        ApicRegister.LvtError => OffLvtError,
        ApicRegister.TimerInitial => OffTimerInitial,
        ApicRegister.TimerCurrent => OffTimerCurrent,
        ApicRegister.TimerDivide => OffTimerDivide,
        ApicRegister.SelfIpi => OffSelfIpi,
        _ => throw new ArgumentOutOfRangeException(nameof(reg)),
    };

    /// <summary>
    /// Offsets SDM Table 11-1 lists as registers. The remote read register (RRD, 0xC0) is one: its function is not
    /// supported since the Pentium 4, so it reads 0, and, as the table's note says for it and the APR, a write there does
    /// not set the illegal-register-address bit of the ESR.
    /// </summary>
    private static bool IsXApicRegister(uint offset) => offset switch
    {
        OffId or OffVersion or OffTpr or OffApr or OffPpr or OffEoi or OffRrd or OffLdr or OffDfr or OffSvr => true,
        >= OffIsr and < OffEsr => true,
        OffEsr or OffLvtCmci or OffIcrLow or OffIcrHigh => true,
        >= OffLvtTimer and <= OffTimerCurrent => true,
        OffTimerDivide => true,
        _ => false,
    };

    /// <summary>Registers present in x2APIC mode (no APR, RRD, DFR, ICR high; plus SELF IPI) (SDM Table 11-6).</summary>
    private static bool IsX2ApicRegister(uint offset) => offset switch
    {
        OffApr or OffRrd or OffDfr or OffIcrHigh => false,
        OffSelfIpi => true,
        _ => IsXApicRegister(offset),
    };

    private static int LvtIndex(uint offset) => offset switch
    {
        OffLvtCmci => LvtCmci,
        >= OffLvtTimer and <= OffLvtError => (int)((offset - OffLvtTimer) >> 4),
        _ => -1,
    };

    /// <summary>Register value at an MMIO offset, formatted for the current mode; no side effects.</summary>
    private ulong ReadOffset(uint offset)
    {
        var x2 = _mode == LocalApicMode.X2Apic;
        switch (offset)
        {
            case OffId:
                return x2 ? _x2ApicId : _xapicId << 24;
            case OffVersion:
                return ApicVersion;
            case OffTpr:
                return _tpr;
            case OffApr:
                // The APR is a P6-family register (SDM §11.6.2.4); Table 11-1 note 1: not supported in the Pentium 4 and
                // later. KVM's __apic_read returns 0 for it ("register which is for P6").
                return 0;
            case OffPpr:
                return _ppr;
            case OffLdr:
                return Ldr;
            case OffDfr:
                return _dfr;
            case OffSvr:
                return _svr;
            case OffEsr:
                return _esr;
            case OffIcrLow:
                return _icrLow;
            case OffIcrHigh:
                return _icrHigh;
            case OffTimerInitial:
                return IsTscDeadlineMode ? 0 : _timerInitial;
            case OffTimerCurrent:
                return CurrentCount(_host.NowNs);
            case OffTimerDivide:
                return _timerDivide;
            case >= OffIsr and < OffTmr:
                return Word32(_isr, (int)((offset - OffIsr) >> 4));
            case >= OffTmr and < OffIrr:
                return Word32(_tmr, (int)((offset - OffTmr) >> 4));
            case >= OffIrr and < OffEsr:
                return Word32(_irr, (int)((offset - OffIrr) >> 4));
            default:
                var lvt = LvtIndex(offset);
                return lvt >= 0 ? _lvt[lvt] : 0;
        }
    }

    private static uint Word32(in VectorWords words, int index) => (uint)(words[index >> 1] >> (32 * (index & 1)));

    /// <summary>SVR write; software disable forces every LVT mask bit (SDM §11.4.7.2).</summary>
    private void WriteSvr(uint value)
    {
        _svr = value;
        if (!SoftwareEnabled)
        {
            var lint0Was = _lvt[LvtLint0];
            var lint1Was = _lvt[LvtLint1];
            for (var i = 0; i < LvtCount; i++)
            {
                _lvt[i] |= LvtMasked;
            }

            LintWithdrawnBy(LvtLint0, lint0Was);
            LintWithdrawnBy(LvtLint1, lint1Was);
        }

        _host.InterruptLineChanged(this);
    }

    /// <summary>Tells the host when LINT entry <paramref name="lvt"/>, <paramref name="before"/> the change, was
    /// unmasked ExtINT and is not any more (masked, or another delivery mode).</summary>
    private void LintWithdrawnBy(int lvt, uint before)
    {
        if (IsUnmaskedExtInt(before) && !IsUnmaskedExtInt(_lvt[lvt]))
        {
            _host.LintWithdrawn(this, lvt == LvtLint0 ? LocalInterrupt.Lint0 : LocalInterrupt.Lint1);
        }
    }

    private static bool IsUnmaskedExtInt(uint entry) =>
        (entry & (LvtMasked | LvtDeliveryModeMask)) == (uint)DeliveryMode.ExtInt << 8;

    /// <summary>ESR write: the collected errors become visible and collection restarts (SDM §11.5.3).</summary>
    private void LatchEsr()
    {
        _esr = _esrShadow;
        _esrShadow = 0;
    }

    /// <summary>LVT write keeping read-only bits; the mask bit stays set while software-disabled (SDM §11.4.7.2).</summary>
    private void WriteLvt(int lvt, uint value)
    {
        var old = _lvt[lvt];
        if (!SoftwareEnabled)
        {
            value |= LvtMasked;
        }

        var next = value | (old & LvtRemoteIrr);
        if (lvt == LvtTimer)
        {
            WriteLvtTimer(old, next);
            return;
        }

        _lvt[lvt] = next;
        if (lvt is LvtLint0 or LvtLint1)
        {
            LintWithdrawnBy(lvt, old);
        }

        if (lvt is LvtLint0 or LvtLint1 && (next & LvtMasked) == 0 && _lintAsserted[lvt - LvtLint0]
            && IsLevelSensitiveLint(next) && !SamplesLevel(old, next))
        {
            // A level-sensitive LINT pin that starts sampling its level (unmasked, or switched into ExtINT or fixed level
            // mode) while its source holds it asserted is delivered now: ExtINT "is always level sensitive" and a fixed
            // entry may be set level-triggered (SDM §11.5.1), so the request is not lost for want of a new edge (the
            // 8259 keeps INTR high until INTA). QEMU's LVT0 write calls apic_check_pic(); KVM samples the 8259's output
            // whenever LVT0 is unmasked ExtINT (kvm_apic_accept_pic_intr).
            DeliverLvt(lvt);
        }
    }

    /// <summary>Whether LINT entry <paramref name="old"/> already sampled the pin's level the way <paramref name="next"/>
    /// does (unmasked, level-sensitive, same delivery mode and trigger), so the request it presented stands.</summary>
    private static bool SamplesLevel(uint old, uint next) =>
        (old & LvtMasked) == 0 && IsLevelSensitiveLint(old) && ((old ^ next) & (LvtDeliveryModeMask | LvtLevel)) == 0;

    /// <summary>An LVT LINT entry whose pin is sampled by level: ExtINT, or fixed with the level trigger bit (SDM §11.5.1).</summary>
    private static bool IsLevelSensitiveLint(uint entry)
    {
        var mode = (entry >> 8) & 7;
        return mode == 7 || (mode == 0 && (entry & LvtLevel) != 0);
    }

    /// <summary>IA32_APIC_BASE write with the legal transitions of SDM §11.12.5 (Figure 11-28).</summary>
    private ApicAccessResult WriteApicBase(ulong value)
    {
        const ulong reserved = 0xFFUL | (1UL << 9) | ~((1UL << MaxPhysAddr) - 1);
        if ((value & reserved) != 0)
        {
            return ApicAccessResult.GeneralProtection;
        }

        var en = (value & BaseEnable) != 0;
        var extd = (value & BaseExtd) != 0;
        if (!en && extd)
        {
            return ApicAccessResult.GeneralProtection;
        }

        var next = !en ? LocalApicMode.Disabled : extd ? LocalApicMode.X2Apic : LocalApicMode.XApic;
        if ((_mode == LocalApicMode.X2Apic && next == LocalApicMode.XApic)
            || (_mode == LocalApicMode.Disabled && next == LocalApicMode.X2Apic))
        {
            return ApicAccessResult.GeneralProtection;
        }

        _apicBase = (value & ~BaseBsp) | (_apicBase & BaseBsp);
        if (next == _mode)
        {
            return ApicAccessResult.Ok;
        }

        var previous = _mode;
        _mode = next;
        Census?.Changed(previous, next);
        if (next == LocalApicMode.Disabled)
        {
            // Register state is not preserved across x2APIC -> disabled -> xAPIC; the IDs are (SDM §11.12.5.1).
            ResetRegisters();
        }
        else if (previous == LocalApicMode.Disabled)
        {
            _xapicId = _x2ApicId & 0xFF;
        }

        _host.InterruptLineChanged(this);
        _host.TimerChanged(this);
        return ApicAccessResult.Ok;
    }

    /// <summary>ICR send (SDM §11.6.1). The trigger-mode bit only matters for INIT level de-assert; other IPIs go
    /// out edge-triggered (Pentium 4 and later). Reserved delivery modes 011 and 111 send nothing.</summary>
    private void SendIcr(uint low, uint destination)
    {
        var mode = (low >> 8) & 7;
        if (mode is 3 or 7)
        {
            return;
        }

        var deliveryMode = (DeliveryMode)mode;
        var vector = (byte)low;
        var shorthand = (DestinationShorthand)((low >> 18) & 3);
        var destinationMode = (low & IcrDestModeLogical) != 0 ? DestinationMode.Logical : DestinationMode.Physical;
        var assert = (low & IcrLevelAssert) != 0;
        var trigger = deliveryMode == DeliveryMode.Init && !assert && (low & IcrTriggerLevel) != 0
            ? TriggerMode.Level
            : TriggerMode.Edge;
        if (deliveryMode != DeliveryMode.Init || trigger == TriggerMode.Edge)
        {
            assert = true;
        }

        if (deliveryMode is DeliveryMode.Fixed or DeliveryMode.LowestPriority && vector < 16)
        {
            SetError(ApicErrorStatus.SendIllegalVector);
        }

        if (shorthand == DestinationShorthand.Self)
        {
            destination = ApicId;
            destinationMode = DestinationMode.Physical;
        }

        var message = new InterruptMessage(vector, deliveryMode, destinationMode, destination, trigger, assert, shorthand, unchecked((int)ApicId), Index);
        _host.SendIpi(this, message);
    }

    /// <summary>x2APIC SELF IPI (MSR 0x83F): a fixed, edge IPI to this APIC (SDM §11.12.11).</summary>
    private void SendSelfIpi(byte vector)
    {
        if (vector < 16)
        {
            SetError(ApicErrorStatus.SendIllegalVector);
        }

        var message = new InterruptMessage(vector, DeliveryMode.Fixed, DestinationMode.Physical, ApicId, TriggerMode.Edge, true, DestinationShorthand.Self, unchecked((int)ApicId), Index);
        _host.SendIpi(this, message);
    }
}
