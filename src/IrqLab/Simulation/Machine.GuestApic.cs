using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using IrqLab.Scenarios.Model;
using IrqLab.Simulation.Output;
using IrqLab.Virtualization;

namespace IrqLab.Simulation;

/// <summary>
/// A guest handler's accesses to its own local APIC (SDM Vol. 3C chapter 30, "APIC Virtualization and Virtual
/// Interrupts"; KVM's emulated local APIC), and the IPIs it sends to the vCPUs of its VM. The guest's APIC is the
/// vCPU's <see cref="VirtualApic"/>: the virtual-APIC page with APICv, KVM's emulated APIC without it. Its APIC ID is
/// the vCPU's index in <c>vms[].vcpus</c> (KVM gives a vCPU the APIC ID user space chose for it, QEMU the CPU index);
/// the guest is in the machine's APIC mode.
/// </summary>
internal sealed partial class Machine
{
    private const int MsrReadExit = 31; // EXIT_REASON_MSR_READ

    /// <summary>Whether guests run their APIC in x2APIC mode: the machine's mode (<c>machine.apic</c>).</summary>
    private bool GuestX2Apic => _scenario.Machine.Apic == ApicMode.X2Apic;

    /// <summary>The guest's physical broadcast destination: all ones, 8 bits in xAPIC mode, 32 in x2APIC mode.</summary>
    private uint GuestBroadcastId => GuestX2Apic ? 0xFFFF_FFFFu : 0xFFu;

    /// <summary>
    /// The guest's logical destination register: in x2APIC mode derived from the APIC ID, read-only (SDM Vol. 3A
    /// §11.12.10.2; KVM's <c>kvm_apic_calc_x2apic_ldr()</c>); in xAPIC mode what the guest wrote (<see cref="Vcpu.Ldr"/>).
    /// </summary>
    private uint GuestLdr(Vcpu v) => GuestX2Apic ? LocalApic.X2ApicLdr((uint)v.Index) : v.Ldr;

    /// <summary>
    /// The MMIO offset of the guest APIC register a <c>read</c> or <c>write</c> target reaches: a named register with no
    /// <c>cpu</c> (the handler's own APIC), an x2APIC MSR 0x800-0x8FF, or an xAPIC MMIO address in the APIC page at its
    /// reset base 0xFEE00000 (the guest's IA32_APIC_BASE is not modelled). False for anything else (another CPU's
    /// registers, ports, IO-APICs, other MSRs), which a guest handler does not model.
    /// </summary>
    private bool TryGuestApicOffset(RegisterRef target, out uint offset, out bool named)
    {
        offset = 0;
        named = target.Kind == RegisterKind.Named;
        var x2 = GuestX2Apic;
        switch (target.Kind)
        {
            case RegisterKind.Named when target.Cpu is null:
                offset = LocalApic.OffsetOf(NamedApicRegister(target.Name!));
                return true;
            case RegisterKind.Msr when x2 && target.Cpu is null && target.Address is >= 0x800 and <= 0x8FF:
                offset = (uint)(target.Address - 0x800) << 4;
                return true;
            case RegisterKind.Mmio when !x2 && target.Cpu is null && target.Address is >= 0xFEE0_0000 and < 0xFEE0_1000 && (target.Address & 0xF) == 0:
                offset = (uint)(target.Address - 0xFEE0_0000);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// A guest <c>read</c> of its APIC's ID, TPR, PPR, LDR, DFR (xAPIC), ISR or IRR (false for any other register: not
    /// modelled). With
    /// APICv the read is virtualized from the virtual-APIC page without an exit (APIC-register virtualization; SDM
    /// 30.4.2 for xAPIC MMIO, 30.5 for x2APIC RDMSR, which KVM's <c>vmx_update_msr_bitmap_x2apic()</c> lets through for
    /// 0x800-0x8FF), except an xAPIC read of the PPR (offset 0A0H is not among the offsets 30.4.2 virtualizes): an
    /// APIC_ACCESS exit, after which KVM's emulation reads the PPR it computes from TPR and ISR, the same value. Without
    /// APICv every access traps (APIC_ACCESS for xAPIC MMIO, MSR_READ for x2APIC) and KVM emulates it. A named
    /// <c>apic.isr</c> or <c>apic.irr</c> reads the whole bitmap; a raw access one 32-bit word of it.
    /// </summary>
    private bool GuestRead(Vcpu v, ReadStep r)
    {
        if (!TryGuestApicOffset(r.Target, out var offset, out var named))
        {
            return false;
        }

        var x2 = GuestX2Apic;
        ReadValue value;
        switch (offset)
        {
            case ApicConst.OffId:
                value = new ReadValue(x2 ? (ulong)v.Index : (ulong)v.Index << 24, null);
                break;
            case ApicConst.OffTpr:
                value = new ReadValue(v.Vapic.Vtpr, null);
                break;
            case ApicConst.OffPpr:
                value = new ReadValue(v.Vapic.Vppr, null);
                break;
            case ApicConst.OffLdr:
                value = new ReadValue(GuestLdr(v), null);
                break;
            case ApicConst.OffDfr when !x2:
                value = new ReadValue(v.Dfr, null);
                break;
            case >= ApicConst.OffIsr and < ApicConst.OffTmr:
                value = named ? new ReadValue(0, v.Vapic.VisrToArray()) : new ReadValue(v.Vapic.VisrWord((int)(offset - ApicConst.OffIsr) >> 4), null);
                break;
            case >= ApicConst.OffIrr and < ApicConst.OffEsr:
                value = named ? new ReadValue(0, v.Vapic.VirrToArray()) : new ReadValue(v.Vapic.VirrWord((int)(offset - ApicConst.OffIrr) >> 4), null);
                break;
            default:
                return false;
        }

        if (!v.Controls.VirtualInterruptDelivery)
        {
            GuestApicTrap(v, x2 ? MsrReadExit : VmExitReasons.ApicAccess);
        }
        else if (!x2 && offset == ApicConst.OffPpr)
        {
            GuestApicExit(v, VmExitReasons.ApicAccess);
        }

        RecordRead(r.As, value);
        return true;
    }

    /// <summary>
    /// A guest <c>write</c> to its APIC's TPR, EOI, SELF IPI (x2APIC), ICR, or LDR and DFR (xAPIC; read-only or absent
    /// in x2APIC mode, a #GP) (false for any other register or value: not modelled). TPR: TPR virtualization (SDM 30.1.2) with APICv, which updates the VPPR; the CPU then evaluates
    /// pending virtual interrupts at the next instruction boundary. EOI: as the <c>eoi</c> action. SELF IPI: self-IPI
    /// virtualization (30.1.5; x2APIC MSR 0x83F, which KVM lets through with APICv). ICR: the IPI its fields describe,
    /// as the <c>ipi</c> action. An x2APIC WRMSR with reserved bits set (#GP in the guest) is not modelled.
    /// </summary>
    private bool GuestWrite(Vcpu v, WriteStep w)
    {
        if (!TryGuestApicOffset(w.Target, out var offset, out var named))
        {
            return false;
        }

        var x2 = GuestX2Apic;
        var value = w.Value;
        switch (offset)
        {
            case ApicConst.OffTpr when !x2 || value <= 0xFF:
                // xAPIC: APIC-write emulation clears bytes 3:1 (30.4.3.2), KVM's emulation keeps bits 7:0 too.
                v.Vapic.Vtpr = (byte)value;
                if (!v.Controls.VirtualInterruptDelivery)
                {
                    ApicWriteTrap(v);
                }

                MarkDirty(v.Host.Index);
                return true;
            case ApicConst.OffEoi when !x2 || value == 0:
                GuestEoi(v);
                return true;
            case ApicConst.OffSelfIpi when x2 && value <= 0xFF:
                // SDM 30.5: a SELF IPI write with a vector below 16 is not virtualized but an APIC-write exit.
                GuestFixedSelfIpi(v, (int)value, viaIcr: false, virtualizable: value >= 16);
                return true;
            case ApicConst.OffLdr when !x2:
                // KVM's kvm_lapic_reg_write(): the LDR keeps bits 31:24 (APIC_LDR_MASK), the DFR reads 1 in bits 27:0.
                v.Ldr = (uint)value & 0xFF00_0000;
                GuestApicRegisterWrite(v);
                return true;
            case ApicConst.OffDfr when !x2:
                v.Dfr = (uint)value | 0x0FFF_FFFF;
                GuestApicRegisterWrite(v);
                return true;
            case ApicConst.OffIcrHigh when !x2:
                v.IcrHigh = (uint)value & 0xFF00_0000;
                if (!v.Controls.VirtualInterruptDelivery)
                {
                    ApicWriteTrap(v);
                }

                return true;
            case ApicConst.OffIcrLow:
                {
                    // Named apic.icr is 64 bits (SCENARIOS.md §7); an xAPIC MMIO write of ICR low sends with the
                    // destination the ICR high write left.
                    if (named && !x2)
                    {
                        // The 64-bit named write is an ICR high write as well (the APIC page takes 32-bit accesses, so a
                        // guest writes 310H, then 300H): the destination stays there (SDM Vol. 3A §11.6.1) for a later ICR
                        // low write, and without APICv that first write traps on its own.
                        v.IcrHigh = (uint)(value >> 32) & 0xFF00_0000;
                        if (!v.Controls.VirtualInterruptDelivery)
                        {
                            ApicWriteTrap(v);
                        }
                    }

                    var icr = x2 || named ? value : ((ulong)v.IcrHigh << 32) | (uint)value;
                    return GuestIcrWrite(v, icr);
                }

            default:
                return false;
        }
    }

    /// <summary>
    /// The IPI of a guest ICR value (SDM Vol. 3A Figure 11-12 and §11.12.9): vector 7:0, delivery mode 10:8, logical
    /// destination 11, shorthand 19:18, destination 63:56 (xAPIC) or 63:32 (x2APIC); a physical destination of all ones
    /// is a broadcast. A self-IPI is virtualized only when the ICR low value has its reserved bits (31:20, 17:16, 13), the
    /// delivery-status bit 12 and the trigger-mode bit 15 clear (SDM Vol. 3C 30.4.3.2, "interrupt command — low").
    /// </summary>
    private bool GuestIcrWrite(Vcpu v, ulong icr)
    {
        var x2 = GuestX2Apic;
        if (x2 && (icr & ApicConst.X2ApicIcrReserved) != 0)
        {
            // #GP in the guest, as on the host (KVM's kvm_x2apic_icr_write(): X2APIC_ICR_RESERVED_BITS): not modelled.
            return false;
        }

        var vector = (int)(icr & 0xFF);
        var mode = (DeliveryMode)((icr >> 8) & 7);
        var destination = x2 ? (uint)(icr >> 32) : (uint)(icr >> 56);
        var kind = ((icr >> 18) & 3) switch
        {
            1 => IpiTargetKind.Self,
            2 => IpiTargetKind.All,
            3 => IpiTargetKind.AllButSelf,
            _ => (icr & (1UL << 11)) != 0 ? IpiTargetKind.Logical
                : destination == GuestBroadcastId ? IpiTargetKind.All : IpiTargetKind.Cpu,
        };
        return GuestIpi(v, kind, destination, vector, mode, icrLowPlain: (icr & IcrLowNotVirtualized) == 0);
    }

    /// <summary>ICR low bits 31:20, 17:16, 15 (trigger mode), 13 and 12 (delivery status): any of them set sends a self-IPI to an APIC-write exit (SDM 30.4.3.2).</summary>
    private const ulong IcrLowNotVirtualized = 0xFFF3_B000;

    /// <summary>vCPUs <see cref="GuestIpi"/> looked at as destinations in this run (a test measures its cost by it).</summary>
    internal long GuestIpiVcpuChecks { get; private set; }

    /// <summary>
    /// A guest IPI (an <c>ipi</c> action, or an ICR write). A fixed self-IPI is virtualized (<see
    /// cref="GuestFixedSelfIpi"/>). Any other IPI is an ICR write the CPU does not virtualize: an APIC-write exit (xAPIC
    /// with APICv, SDM 30.4.3.2-3), an APIC_ACCESS exit (xAPIC without), or an MSR_WRITE exit (x2APIC: KVM intercepts
    /// the ICR; IPI virtualization is not modelled). KVM's <c>kvm_apic_send_ipi()</c> then delivers it to the VM's vCPUs
    /// whose APIC ID (the vCPU index), or for a logical destination whose LDR, matches (<see cref="IsGuestIpiTarget"/>):
    /// fixed and lowest-priority interrupts as KVM's <c>__apic_accept_irq()</c> does (<see cref="KvmAcceptFixed"/>; a
    /// lowest-priority one to a single vCPU is taken as fixed), NMIs through <c>kvm_inject_nmi()</c> (<see
    /// cref="QueueGuestNmi"/>). A destination no vCPU has takes nothing (the IPI is dropped). Not modelled (false): INIT,
    /// SIPI and SMI, an NMI to the sender itself, a lowest-priority IPI to several vCPUs.
    /// </summary>
    private bool GuestIpi(Vcpu v, IpiTargetKind kind, uint destination, int vector, DeliveryMode mode, bool icrLowPlain = true)
    {
        var fixedMode = mode is DeliveryMode.Fixed or DeliveryMode.LowestPriority;
        if (kind == IpiTargetKind.Self && fixedMode)
        {
            // SDM 30.4.3.2 virtualizes an xAPIC ICR self-IPI only in delivery mode 000 with a vector of 16 or more (bits
            // 7:4 not 0000B) and the bits of IcrLowNotVirtualized clear; any other goes to an APIC-write exit, where KVM's
            // kvm_apic_send_ipi() takes lowest priority as fixed (__apic_accept_irq), so the vector still reaches the IRR.
            GuestFixedSelfIpi(v, vector, viaIcr: true, virtualizable: mode == DeliveryMode.Fixed && vector >= 16 && icrLowPlain);
            return true;
        }

        // Not modelled: a self-IPI that is not fixed, INIT, SIPI, SMI and the reserved modes.
        if (kind == IpiTargetKind.Self || !(fixedMode || mode == DeliveryMode.Nmi))
        {
            return false;
        }

        var vcpus = _vms[v.Name];
        var broadcast = kind is IpiTargetKind.All or IpiTargetKind.AllButSelf
            || (kind is IpiTargetKind.Physical or IpiTargetKind.Logical && destination == GuestBroadcastId);
        var (first, end) = GuestIpiCandidates(kind, destination, broadcast, vcpus.Length);
        if (mode != DeliveryMode.Fixed)
        {
            // Nor an NMI to the sender itself, or a lowest-priority arbitration among several vCPUs.
            var targets = 0;
            var toSelf = false;
            for (var i = first; i < end; i++)
            {
                if (IsGuestIpiTarget(v, vcpus[i], kind, destination, broadcast))
                {
                    targets++;
                    toSelf |= vcpus[i] == v;
                }
            }

            if ((mode == DeliveryMode.Nmi && toSelf) || (mode == DeliveryMode.LowestPriority && targets > 1))
            {
                return false;
            }
        }

        var x2 = GuestX2Apic;
        var exit = x2 ? MsrWriteExit : v.Controls.VirtualInterruptDelivery ? VmExitReasons.ApicWrite : VmExitReasons.ApicAccess;
        GuestApicExit(v, exit);

        var taken = false;
        for (var i = first; i < end; i++)
        {
            var t = vcpus[i];
            GuestIpiVcpuChecks++;
            if (!IsGuestIpiTarget(v, t, kind, destination, broadcast))
            {
                continue;
            }

            taken = true;
            if (mode == DeliveryMode.Nmi)
            {
                QueueGuestNmi(t);
            }
            else if (t == v)
            {
                // The sender is in KVM (the exit): its own interrupt goes into its IRR, which the re-entry evaluates.
                SetGuestIrr(v, vector);
            }
            else
            {
                KvmAcceptFixed(t, vector);
            }

            MarkDirty(t.Host.Index);
        }

        if (!taken)
        {
            _sourceRaised++;
            _sourceDropped++;
        }

        if (!v.Controls.VirtualInterruptDelivery)
        {
            InjectEmulated(v);
        }

        return true;
    }

    /// <summary>
    /// The vCPUs a guest IPI can reach, as the index range [First, End): a unicast names one vCPU by its APIC ID, which is
    /// its index (KVM's APIC map finds it without a scan; a VM of 4096 vCPUs looked at all of them per IPI before), an
    /// x2APIC logical destination the 16 of one cluster (SDM §11.12.10.2: the cluster is APIC ID bits 31:4), anything
    /// else every vCPU of the VM. <see cref="IsGuestIpiTarget"/> still decides for each.
    /// </summary>
    private (int First, int End) GuestIpiCandidates(IpiTargetKind kind, uint destination, bool broadcast, int count)
    {
        if (broadcast || (kind == IpiTargetKind.Logical && !GuestX2Apic))
        {
            return (0, count);
        }

        var first = kind == IpiTargetKind.Logical ? (long)(destination >> 16) << 4 : destination;
        var last = kind == IpiTargetKind.Logical ? first + 16 : first + 1;
        return first < count ? ((int)first, (int)Math.Min(last, count)) : (count, count);
    }

    /// <summary>
    /// Whether vCPU <paramref name="t"/> is a destination of a guest IPI from <paramref name="v"/> (KVM's
    /// <c>kvm_apic_match_dest()</c>): every vCPU of a broadcast but the sender of an all-but-self one; for a logical
    /// destination the vCPUs whose LDR (and DFR) match it (<see cref="InterruptBus.MatchesLogicalId"/>); else the vCPU
    /// whose APIC ID (its index) is the destination.
    /// </summary>
    private bool IsGuestIpiTarget(Vcpu v, Vcpu t, IpiTargetKind kind, uint destination, bool broadcast) =>
        broadcast ? !(kind == IpiTargetKind.AllButSelf && t == v)
        : kind == IpiTargetKind.Logical ? InterruptBus.MatchesLogicalId(GuestX2Apic, GuestLdr(t), t.Dfr, destination)
        : destination == (uint)t.Index;

    /// <summary>
    /// A guest write to an APIC register that APIC-write emulation stores on the virtual-APIC page and completes in
    /// software: with APICv an APIC-write exit after the write (SDM Vol. 3C 30.4.3.2-3: every virtualized offset but TPR,
    /// EOI and ICR), which KVM's <c>kvm_apic_write_nodecode()</c> hands to its register write; without APICv an
    /// APIC-access exit KVM emulates.
    /// </summary>
    private void GuestApicRegisterWrite(Vcpu v)
    {
        if (v.Controls.VirtualInterruptDelivery)
        {
            GuestApicExit(v, VmExitReasons.ApicWrite);
        }
        else
        {
            ApicWriteTrap(v);
        }
    }

    /// <summary>
    /// KVM's <c>__apic_accept_irq()</c> of a fixed interrupt for another vCPU, <paramref name="t"/>. With posted interrupts
    /// <c>vmx_deliver_posted_interrupt()</c> sets the PIR bit and ON, and <c>kvm_vcpu_trigger_posted_interrupt()</c>
    /// (arch/x86/kvm/vmx/vmx.c, 6.1 to newest; vmx/common.h later) sends POSTED_INTR_VECTOR only to a vCPU in guest mode;
    /// any other vCPU (blocked in HLT, not entered yet, or in KVM handling an exit) gets <c>kvm_vcpu_wake_up()</c>, no
    /// IPI: the wakeup vector is a VT-d posting's (a <c>post</c> step's), never KVM's own sender's. Without posted
    /// interrupts, <see cref="PostInterrupt"/>: the emulated IRR and a kick.
    /// </summary>
    private void KvmAcceptFixed(Vcpu t, int vector)
    {
        if (!t.Controls.ProcessPostedInterrupts || t.InGuest)
        {
            PostInterrupt(t, vector);
            return;
        }

        _sourceRaised++;
        if (t.Pid.Post(vector) == PostResult.Coalesced)
        {
            _sourceCoalesced++;
        }

        WakeBlocked(t);
    }

    /// <summary>Sets <paramref name="vector"/> in the guest's IRR, counting a request whose bit is already set as coalesced.</summary>
    private void SetGuestIrr(Vcpu v, int vector)
    {
        _sourceRaised++;
        if (v.Vapic.IsVirrSet(vector))
        {
            _sourceCoalesced++;
        }
        else
        {
            v.Vapic.SetVirr(vector);
        }
    }

    /// <summary>
    /// A fixed self-IPI of the guest: self-IPI virtualization (SDM 30.1.5): VIRR[V] = 1, RVI = max(RVI, V). Without
    /// virtual-interrupt delivery the write traps instead (an APIC-access exit, or MSR_WRITE in x2APIC mode), and KVM's
    /// <c>kvm_apic_send_ipi()</c> sets the IRR of the emulated APIC, whose interrupt it injects on re-entry.
    /// <paramref name="viaIcr"/>: sent through the ICR (an <c>ipi</c> action), which in x2APIC mode is MSR 0x830, not
    /// virtualized without IPI virtualization (SDM 30.5: only TPR, EOI and SELF IPI writes are): KVM intercepts it
    /// (<c>vmx_update_msr_bitmap_x2apic</c> leaves APIC_ICR intercepted unless <c>enable_ipiv</c>), an MSR_WRITE exit
    /// whose fastpath sets the vector in the PIR and syncs it into VIRR before re-entry (the xAPIC ICR's self shorthand is
    /// virtualized instead: APIC-write emulation, SDM 30.4.3.2, when <paramref name="virtualizable"/>; otherwise an
    /// APIC-write exit, after which KVM sets the IRR as above). Otherwise the x2APIC SELF IPI MSR, which KVM lets through,
    /// virtualized for a vector of 16 or more (SDM 30.5), else an APIC-write exit.
    /// </summary>
    private void GuestFixedSelfIpi(Vcpu v, int vector, bool viaIcr, bool virtualizable)
    {
        SetGuestIrr(v, vector);
        var x2 = GuestX2Apic;
        if (!v.Controls.VirtualInterruptDelivery)
        {
            ApicWriteTrap(v);
        }
        else if ((viaIcr && x2) || !virtualizable)
        {
            GuestApicExit(v, viaIcr && x2 ? MsrWriteExit : VmExitReasons.ApicWrite);
        }
    }

    /// <summary>The guest's EOI: EOI virtualization with APICv (an EOI-induced exit for a vector in the EOI-exit bitmap), else a trap KVM emulates.</summary>
    private void GuestEoi(Vcpu v)
    {
        var outcome = v.Vapic.VirtualEoi();
        if (!v.Controls.VirtualInterruptDelivery)
        {
            // Without APICv the EOI write traps to KVM, which emulates it and re-enters.
            ApicWriteTrap(v);
        }
        else if (outcome.ExitRequired)
        {
            RecordVmExit(v, VmExitReasons.Name(VmExitReasons.EoiInduced), outcome.Vector, null);
        }
    }

    /// <summary>
    /// A guest APIC access that traps without APICv (<paramref name="reason"/>: APIC_ACCESS, MSR_READ or MSR_WRITE),
    /// emulated by KVM, which injects the emulated APIC's highest deliverable interrupt on the way back in. The exit is
    /// recorded after the access completed (an APIC-access exit is fault-like, but KVM's emulation completes the
    /// instruction before the re-entry), so a shadow that instruction ran in is over when KVM injects.
    /// </summary>
    private void GuestApicTrap(Vcpu v, int reason)
    {
        GuestApicExit(v, reason);
        InjectEmulated(v);
    }

    /// <summary>
    /// Records the exit (<paramref name="reason"/>) of a guest APIC access the CPU does not virtualize, after the access
    /// retired (KVM completes it and re-enters; a trap-like APIC-write exit comes after it anyway).
    /// </summary>
    private void GuestApicExit(Vcpu v, int reason)
    {
        v.Guest.InstructionRetired();
        RecordVmExit(v, VmExitReasons.Name(reason), null, null);
    }
}
