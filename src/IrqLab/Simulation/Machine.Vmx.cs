using System.Runtime.InteropServices;
using IrqLab.Delivery;
using IrqLab.Hardware;
using IrqLab.Scenarios.Model;
using IrqLab.Simulation.Output;
using IrqLab.Tracing;
using IrqLab.Vectors;
using IrqLab.Virtualization;

namespace IrqLab.Simulation;

/// <summary>
/// VMX: guests pinned to host CPUs, VM exits for host interrupts and NMIs, the host's re-injection (software
/// dispatch through <c>external_interrupt</c> or the IDT-gate call), event injection, posted interrupts and
/// virtual-interrupt delivery (SDM Vol. 3C ch. 26-30; KVM <c>arch/x86/kvm/vmx/vmx.c</c>).
/// </summary>
internal sealed partial class Machine
{
    private const int PostedIntrVector = 0xF2;
    private const int PostedIntrWakeupVector = 0xF1;
    private const int RescheduleVector = 0xFD;
    private const int MsrWriteExit = 32; // EXIT_REASON_MSR_WRITE

    private readonly Dictionary<string, Vcpu[]> _vms = new(StringComparer.Ordinal);
    private long _vmExitSeq;

    private void InitVirtualization()
    {
        foreach (var vm in _scenario.Vms)
        {
            var handlers = new HandlerSpec?[VectorSpace.NrVectors];
            foreach (var h in vm.Handlers)
            {
                handlers[h.Vector] = h;
            }

            var vcpus = new Vcpu[vm.VcpuCpus.Count];
            for (var i = 0; i < vcpus.Length; i++)
            {
                vcpus[i] = new Vcpu(vm, i, _cpus[vm.VcpuCpus[i]], handlers);
                vcpus[i].Pid.Ndst = _cpus[vm.VcpuCpus[i]].Apic.ApicId;
                vcpus[i].Pid.Nv = PostedIntrVector;
            }

            _vms[vm.Name] = vcpus;
        }
    }

    // ---------------------------------------------------------------- vm steps

    private void ExecuteVmStep(VmStep step)
    {
        var v = _vms[step.Vm][step.Vcpu];
        switch (step.Op)
        {
            case VmOp.Enter:
                v.Running = true;
                v.Blocked = false;
                if (!v.InGuest && HasHostFrames(v.Host))
                {
                    // The host CPU is still in a host handler (an exit's interrupt, or any host event), with interrupts
                    // off: KVM_RUN can only enter once it returns, which ReenterAfterExit does. An exit step of this vCPU
                    // that came during the same handler still halts the guest at that re-entry (its HLT exit); this
                    // step then enters it again, as it would have without the host handler in between.
                    if (v.HaltOnReentry)
                    {
                        v.StepsAfterHalt++;
                    }

                    if (v.Host.Loaded is { HaltOnReentry: true } halting && halting != v)
                    {
                        Block(halting);
                    }

                    v.Host.Loaded = v;
                    break;
                }

                v.HaltOnReentry = false;
                v.StepsAfterHalt = 0;
                VmEntry(v);
                break;
            case VmOp.Exit:
                if (!v.Running)
                {
                    // The loader refuses an exit without an enter, so the vCPU went back to user space at run time: a
                    // failed entry (KVM_EXIT_FAIL_ENTRY), an exception KVM hands to user space, or a triple fault. It
                    // is neither in the guest nor blocked in the guest's HLT (no wakeup vector is armed, and KVM's
                    // sender notifies only a vCPU in guest mode), so there is no guest to halt and a post must not wake
                    // it. The step still ends the vCPU's turn on its host CPU (the loader's order rules).
                    break;
                }

                if (!v.InGuest)
                {
                    // KVM is handling an exit in host mode (the host runs the interrupt's handler): the guest executes
                    // its HLT once KVM's run loop re-enters it (ReenterAfterExit), and only then is the vCPU blocked.
                    // A later exit step (after an enter step) during the same handler: one more HLT after that entry.
                    if (v.HaltOnReentry)
                    {
                        v.StepsAfterHalt++;
                    }

                    v.HaltOnReentry = true;
                    break;
                }

                GuestHalt(v);
                break;
            case VmOp.Inject:
                {
                    if (!InterruptionInfo.TryParseTypeName(step.Type ?? "ext_int", out var type))
                    {
                        throw new InvalidOperationException($"inject type '{step.Type}' was not validated at {step.Mark}");
                    }

                    var vector = step.Vector ?? (type == EventType.Nmi ? VectorSpace.NmiVector : 0);
                    v.Injection = InterruptionInfo.Create(type, vector, step.ErrorCode is not null);
                    v.InjectionErrorCode = (uint)(step.ErrorCode ?? 0);
                    if (v.InGuest)
                    {
                        // Takes effect at once: KVM kicks the vCPU, which exits and re-enters with the event.
                        LeaveGuest(v);
                        VmEntry(v);
                    }

                    break;
                }

            case VmOp.Post:
                PostInterrupt(v, step.Vector ?? 0);
                break;
            case VmOp.Nmi:
                QueueGuestNmi(v);
                break;
        }

        MarkDirty(v.Host.Index);
    }

    /// <summary>
    /// The running guest executes HLT: an HLT exit, and KVM blocks the vCPU (posted interrupts now notify on the wakeup
    /// vector, when the guest can take interrupts).
    /// </summary>
    private void GuestHalt(Vcpu v)
    {
        PreemptTop(v.Host);
        RecordVmExit(v, VmExitReasons.Name(VmExitReasons.Hlt), null, null);
        LeaveGuest(v, exitRecorded: true);
        Block(v);
    }

    /// <summary>
    /// KVM blocks the halted vCPU: it is re-entered by an <c>enter</c> step, or when an event makes it runnable
    /// (<see cref="WakeBlocked"/>).
    /// </summary>
    private static void Block(Vcpu v)
    {
        v.Running = false;
        v.Blocked = true;
        v.HaltOnReentry = false;
        v.StepsAfterHalt = 0;

        // KVM vmx_vcpu_pi_put(): a vCPU that blocks able to take interrupts gets the wakeup vector
        // (pi_enable_wakeup_handler). One that halted with IF = 0 cannot be woken by an interrupt; KVM leaves it
        // POSTED_INTR_VECTOR, which "does nothing when invoked outside guest mode" (vmx_needs_pi_wakeup). The model keeps
        // SN = 1 from LeaveGuest, as KVM's own sender notifies only a vCPU in guest mode
        // (kvm_vcpu_trigger_posted_interrupt): a post waits in the PIR for the next entry, with no host handler (a VT-d
        // post would run sysvec_kvm_posted_intr_ipi there, PIN +1, and nothing else).
        if (v.Guest.If)
        {
            v.Pid.Nv = PostedIntrWakeupVector;
            v.Pid.Sn = false;
        }
    }

    /// <summary>
    /// Posts <paramref name="vector"/> for the vCPU. With posted interrupts (KVM <c>vmx_deliver_posted_interrupt</c>)
    /// the PIR bit is set and, when ON was clear and SN is 0, the notification vector is sent to NDST: the
    /// running vCPU's CPU processes it without an exit, a blocked vCPU's host takes the wakeup vector. Without
    /// posted interrupts the interrupt goes into the emulated IRR and a running vCPU is kicked with a reschedule IPI.
    /// </summary>
    private void PostInterrupt(Vcpu v, int vector)
    {
        _sourceRaised++;
        if (!v.Controls.ProcessPostedInterrupts)
        {
            if (v.Vapic.IsVirrSet(vector) || v.Pid.IsPirSet(vector))
            {
                _sourceCoalesced++;
                return;
            }

            if (v.InGuest)
            {
                // kvm_lapic_set_irr() + kvm_vcpu_kick(). With virtual-interrupt delivery the CPU evaluates RVI, which KVM
                // updates only on the way back in (vmx_sync_pir_to_irr -> vmx_hwapic_irr_update), so the running guest
                // cannot take the request before the kick's exit: it is held where VmEntry merges it into the virtual
                // APIC (the descriptor's PIR, which the CPU never processes without posted interrupts). Without it the
                // emulated IRR is injected at the re-entry (InjectEmulated).
                if (v.Controls.VirtualInterruptDelivery)
                {
                    v.Pid.Post(vector);
                }
                else
                {
                    v.Vapic.SetVirr(vector);
                }

                _bus.Deliver(InterruptMessage.FixedTo(v.Host.Apic.ApicId, RescheduleVector));
            }
            else
            {
                v.Vapic.SetVirr(vector);

                // __apic_accept_irq(): kvm_vcpu_kick() wakes a vCPU blocked in HLT when the interrupt makes it runnable.
                WakeBlocked(v);
            }

            return;
        }

        switch (v.Pid.Post(vector))
        {
            case PostResult.Coalesced:
                _sourceCoalesced++;
                break;
            case PostResult.NotificationNeeded:
                _bus.Deliver(InterruptMessage.FixedTo(v.Pid.Ndst, v.Pid.Nv));
                break;
        }
    }

    /// <summary>
    /// KVM <c>kvm_inject_nmi()</c> + <c>kvm_vcpu_kick()</c> + <c>inject_pending_event()</c>: a vCPU in guest mode is
    /// kicked out with a reschedule IPI whatever its NMI state (<c>__kvm_vcpu_kick</c> looks only at
    /// <c>vcpu->mode == IN_GUEST_MODE</c>); the NMI is injected on the re-entry when the guest can take it, while the
    /// guest blocks NMIs (inside its NMI handler) KVM sets NMI-window exiting, the CPU exits with NMI_WINDOW once the
    /// guest's IRET unblocks NMIs, and the NMI is injected on that re-entry. <c>process_nmi()</c> keeps two NMIs pending
    /// when the guest does not block NMIs (one injected, the other after the NMI window: <see cref="Vcpu.NmiQueuedBehind"/>)
    /// and one while it does; a further one is merged.
    /// </summary>
    private void QueueGuestNmi(Vcpu v)
    {
        _sourceRaised++;
        if (v.InGuest)
        {
            // kvm_vcpu_kick(): a vCPU in guest mode on another CPU is made to exit by a reschedule IPI
            // (smp_send_reschedule), an EXTERNAL_INTERRUPT exit its host handles; KVM's process_nmi() then runs on the
            // way back in (vcpu_enter_guest), even when the NMI is merged or has to wait for the NMI window.
            _bus.Deliver(InterruptMessage.FixedTo(v.Host.Apic.ApicId, RescheduleVector));
        }

        QueueNmiState(v);

        // kvm_vcpu_kick() of a vCPU blocked in HLT: kvm_vcpu_wake_up(), and KVM_REQ_NMI makes it runnable whatever the
        // guest's IF (kvm_vcpu_has_events); the injection follows on that entry, or the window KVM opens then.
        WakeBlocked(v, nmiRequest: true);
    }

    /// <summary>KVM's <c>process_nmi()</c> bookkeeping for one more queued virtual NMI (<see cref="QueueGuestNmi"/>).</summary>
    private void QueueNmiState(Vcpu v)
    {
        if (v.NmiAtEntry && !v.NmiQueuedBehind)
        {
            v.NmiQueuedBehind = true;
            return;
        }

        if (v.GuestNmiPending || v.NmiWindow || v.NmiAtInterruptWindow || v.NmiAtEntry)
        {
            _sourceCoalesced++;
            return;
        }

        if (v.SoftNmiBlocked)
        {
            // No virtual NMIs: KVM's soft NMI blocking (Vcpu.SoftNmiBlocked). The kick's exit finds the guest as it is now
            // and ends the blocking when the guest can take interrupts: the NMI is injected on the way back in (nested in
            // the guest's NMI handler if it still runs); otherwise vmx_enable_nmi_window() opens the interrupt window.
            if (v.InGuest && v.Guest.CanTakeInterrupt)
            {
                v.NmiAtEntry = true;
            }
            else
            {
                RequestNmiWindow(v);
            }

            return;
        }

        if (v.InGuest && !v.Guest.NmiBlocked && !v.Guest.MovSsShadow)
        {
            // Injected on the re-entry after the kick's exit.
            v.NmiAtEntry = true;
            return;
        }

        if (v.Guest.NmiBlocked && v.Controls.VirtualNmis)
        {
            v.GuestNmiPending = true;
            return;
        }

        // Not running: injected at the next entry, after an event that entry already injects (VmEntry), never in its
        // place in the VM-entry interruption-information field.
        v.NmiAtEntry = true;
    }

    /// <summary>
    /// KVM <c>pi_wakeup_handler()</c>, run by <c>sysvec_kvm_posted_intr_wakeup_ipi</c> on <paramref name="cpu"/>: each
    /// vCPU blocked there with the wakeup vector armed (<c>pi_enable_wakeup_handler</c>) and ON set in its descriptor
    /// is woken (<c>kvm_vcpu_wake_up</c>). It re-enters once the host handler returns (<see cref="GuestReturned"/>).
    /// </summary>
    private void PiWakeupHandler(int cpu)
    {
        foreach (var vcpus in _vms.Values)
        {
            foreach (var v in vcpus)
            {
                if (v.Host.Index == cpu && v.Blocked && v.Pid.Nv == PostedIntrWakeupVector && v.Pid.On)
                {
                    WakeBlocked(v, inHostHandler: true);
                }
            }
        }
    }

    /// <summary>
    /// <c>kvm_vcpu_wake_up()</c> of a vCPU blocked in HLT: its thread re-checks <c>kvm_vcpu_check_block()</c> and, when
    /// the vCPU is runnable (<c>kvm_arch_vcpu_runnable</c> → <c>kvm_vcpu_has_events</c>: a queued NMI, or an interrupt
    /// the guest can take — IF = 1 and a virtual-APIC vector above VPPR, the PIR merged first as
    /// <c>kvm_cpu_has_interrupt()</c> → <c>vmx_sync_pir_to_irr()</c> does), leaves <c>kvm_vcpu_halt()</c> and KVM's run
    /// loop enters the guest (with <c>vms[].wake_from_halt</c>; otherwise the vCPU waits for its next <c>enter</c>
    /// step, the scenario acting as the VMM): at once on an idle host CPU, else (and always when <paramref name="inHostHandler"/>: the
    /// wakeup vector's handler, whose frame is not pushed yet) when the host handler running there returns. A vCPU whose
    /// host CPU another vCPU was entered on since it halted waits for its next <c>enter</c> step (host scheduling is not
    /// modelled). <paramref name="nmiRequest"/>: a virtual NMI was just queued, whose KVM_REQ_NMI makes the vCPU runnable
    /// whatever the guest's IF and NMI blocking (<c>kvm_vcpu_has_events</c> tests the request before
    /// <c>nmi_allowed()</c>).
    /// </summary>
    private void WakeBlocked(Vcpu v, bool inHostHandler = false, bool nmiRequest = false)
    {
        var c = v.Host;
        if (!v.Vm.WakeFromHalt || !v.Blocked || c.Loaded != v)
        {
            return;
        }

        if (!nmiRequest && !v.NmiAtEntry && !v.GuestNmiPending)
        {
            if (!v.Guest.CanTakeInterrupt)
            {
                return;
            }

            v.Pid.HarvestInto(v.Vapic);
            if (!v.Vapic.HasDeliverable)
            {
                return;
            }
        }

        v.Blocked = false;
        v.Running = true;
        if (!inHostHandler && !HasHostFrames(c))
        {
            ReenterAfterExit(c, v);
        }

        MarkDirty(c.Index);
    }

    /// <summary>
    /// KVM asks for an NMI window for an NMI it cannot inject yet (the guest blocks NMIs, or another event is injected on
    /// this entry): with virtual NMIs NMI-window exiting; without them <c>enable_nmi_window()</c> falls back to the
    /// interrupt window, since NMI-window exiting needs virtual NMIs (SDM 26.2.1.1) and KVM's soft NMI blocking ends when
    /// the guest can take interrupts (<c>vmx_vcpu_run</c> clears <c>soft_vnmi_blocked</c> once
    /// <c>!vmx_interrupt_blocked()</c>).
    /// </summary>
    private static void RequestNmiWindow(Vcpu v)
    {
        if (v.Controls.VirtualNmis)
        {
            v.NmiWindow = true;
        }
        else
        {
            v.NmiAtInterruptWindow = true;
            v.InterruptWindow = true;
        }
    }

    // ---------------------------------------------------------------- entry and exit

    private void VmEntry(Vcpu v)
    {
        var c = v.Host;
        if (c.Shutdown || c.WaitForSipi || v.InGuest)
        {
            return;
        }

        if (c.Loaded is { InGuest: true } other && other != v)
        {
            LeaveGuest(other);
        }
        else if (c.Loaded is { HaltOnReentry: true } halting && halting != v)
        {
            // An exit step handed the CPU over while KVM was still handling the previous vCPU's exit: that vCPU is
            // blocked without running again.
            Block(halting);
        }

        // Re-inject an event whose delivery an exit interrupted (KVM __vmx_complete_interrupts).
        if (!v.Injection.Valid && v.Vectoring.TryTakeForReinjection(out var vectoring, out var vectoringEc))
        {
            v.Injection = vectoring;
            v.InjectionErrorCode = vectoringEc;
        }

        // A virtual NMI queued while the vCPU was out: injected now unless this entry already injects an event, which KVM
        // injects first; the NMI then gets -EBUSY and an immediate exit (kvm_check_and_inject_events, below).
        var nmiWindowAfterEntry = false;
        if (v.NmiAtEntry)
        {
            v.NmiAtEntry = false;
            if (v.Injection.Valid)
            {
                nmiWindowAfterEntry = true;
                if (v.NmiQueuedBehind && v.Injection.Type == EventType.Nmi)
                {
                    // An NMI injection in flight: process_nmi() lowers its limit to one pending NMI.
                    v.NmiQueuedBehind = false;
                    _sourceCoalesced++;
                }
            }
            else
            {
                _delivered++;
                v.Injection = InterruptionInfo.Create(EventType.Nmi, VectorSpace.NmiVector, false);
            }
        }

        var controlsCheck = v.Controls.ValidateForEntry();
        if (controlsCheck != VmEntryCheck.Ok)
        {
            v.NmiAtEntry |= nmiWindowAfterEntry;
            FailEntry(v, controlsCheck);
            return;
        }

        if (v.Injection.Valid)
        {
            var g = new GuestInterruptibility(v.Guest.If, v.Guest.StiShadow, v.Guest.MovSsShadow, v.Guest.NmiBlocked);
            var check = VmEntryInjection.Check(v.Injection, v.InjectionErrorCode, 1, g, v.Controls.VirtualNmis);
            if (check != VmEntryCheck.Ok)
            {
                v.Injection = default;
                v.NmiAtEntry |= nmiWindowAfterEntry;
                FailEntry(v, check);
                return;
            }
        }

        c.Loaded = v;
        v.InGuest = true;
        v.Blocked = false;
        v.Pid.Sn = false;
        v.Pid.Nv = PostedIntrVector;
        // KVM merges PIR into the virtual IRR before entry (kvm_apic_update_irr / vmx_sync_pir_to_irr).
        v.Pid.HarvestInto(v.Vapic);
        if (_sinks.Length > 0)
        {
            Trace(new TraceEvent(_now, c.Index, TraceEventKind.VmEntry, Vm: v.Name, Vcpu: v.Index));
        }

        if (v.Injection.Valid)
        {
            var info = v.Injection;
            v.Injection = default;
            if (info.Type == EventType.Other)
            {
                // Type 7 (other event) with vector 0 delivers nothing: the entry is not vectoring and makes an MTF VM exit
                // pending on the instruction boundary that follows it, ahead of NMIs and interrupts (SDM 26.5.2, 26.6,
                // 25.5.2); KVM's handle_monitor_trap() resumes the guest.
                RecordVmExit(v, VmExitReasons.Name(VmExitReasons.MonitorTrapFlag), null, null);
                LeaveGuest(v, exitRecorded: true);
                VmEntry(v);
                return;
            }

            if (info.Type == EventType.Nmi && v.NmiQueuedBehind)
            {
                v.NmiQueuedBehind = false;
                if (v.NmiWindow || v.NmiAtInterruptWindow)
                {
                    // Not the queued NMI (an inject step's), while the first queued one waits for its window: with an
                    // NMI injection in flight KVM's process_nmi() keeps one pending NMI (limit lowered to 1), so the
                    // second queued NMI is merged.
                    _sourceCoalesced++;
                }
                else
                {
                    // The second pending NMI: KVM's enable_nmi_window() after injecting the first.
                    RequestNmiWindow(v);
                }
            }

            EnterGuestHandler(v, info.Type, info.Vector, info.ErrorCodeValid ? v.InjectionErrorCode : null, injected: true);
            if (nmiWindowAfterEntry)
            {
                NmiBehindInjectedEvent(v, info.Type);
                return;
            }

            if (v.InGuest && !v.Controls.VirtualInterruptDelivery && v.Vapic.HasDeliverable)
            {
                ForceImmediateExit(v);
                return;
            }
        }
        else if (!v.Controls.VirtualInterruptDelivery)
        {
            InjectEmulated(v);
        }

        MarkDirty(c.Index);
    }

    /// <summary>
    /// An entry that injects an event while the emulated APIC (no virtual-interrupt delivery) still holds an interrupt the
    /// guest could be given: KVM's <c>kvm_check_and_inject_events()</c> cannot inject it on this entry (<c>can_inject</c>
    /// is false once an event is injected or re-injected, so <c>interrupt_allowed</c> is not even asked: -EBUSY) and asks
    /// for an immediate exit instead; <c>vmx_vcpu_run()</c> arms the VMX-preemption timer with 0
    /// (<c>vmx_update_hv_timer(force_immediate_exit)</c>), so the guest exits before its first instruction, after the
    /// injected event's delivery (SDM Vol. 3C 26.6.4, 26.7.4), and KVM evaluates its events again on the way back in:
    /// the interrupt is injected, or, with the guest's IF now 0 in the injected event's handler, waits for the interrupt
    /// window. Without this pass the interrupt stayed pending until some later, unrelated entry.
    /// </summary>
    private void ForceImmediateExit(Vcpu v)
    {
        RecordVmExit(v, VmExitReasons.Name(VmExitReasons.PreemptionTimer), null, null);
        LeaveGuest(v, exitRecorded: true);
        VmEntry(v);
    }

    /// <summary>
    /// A queued virtual NMI on an entry that injected another event (<paramref name="injected"/>: an inject step's, or an
    /// IDT-vectoring re-injection). KVM's <c>kvm_check_and_inject_events()</c> (arch/x86/kvm/x86.c) has <c>can_inject</c>
    /// false then, so the pending NMI gets <c>-EBUSY</c> without <c>nmi_allowed()</c> being asked, and the function
    /// leaves through <c>out:</c> with <c>req_immediate_exit</c> before it could call <c>enable_nmi_window()</c>: the guest
    /// exits right after the injected event's delivery (<c>PREEMPTION_TIMER</c>, as <see cref="ForceImmediateExit"/>), and
    /// on the way back in KVM injects the NMI (nested in the event's handler) when <c>nmi_allowed()</c> (vmx_nmi_blocked():
    /// blocking by NMI, STI or MOV SS; without virtual NMIs the soft blocking an injected NMI sets), otherwise opens the NMI
    /// window (<see cref="RequestNmiWindow"/>). A delivery that ended in an exit (a triple fault) leaves the NMI queued.
    /// </summary>
    private void NmiBehindInjectedEvent(Vcpu v, EventType injected)
    {
        if (!v.InGuest)
        {
            v.NmiAtEntry = true;
            MarkDirty(v.Host.Index);
            return;
        }

        RecordVmExit(v, VmExitReasons.Name(VmExitReasons.PreemptionTimer), null, null);
        LeaveGuest(v, exitRecorded: true);
        var blocked = v.Controls.VirtualNmis
            ? v.Guest.NmiBlocked || v.Guest.MovSsShadow || v.Guest.StiShadow
            : injected == EventType.Nmi;
        if (blocked)
        {
            RequestNmiWindow(v);
        }
        else
        {
            v.NmiAtEntry = true;
        }

        VmEntry(v);
    }

    private void FailEntry(Vcpu v, VmEntryCheck check)
    {
        AddFault(v.Host.Index, "vmentry_failure");
        AddMessage(v.Host.Index, "err", VmEntryInjection.Describe(check));
        if (!VmEntryInjection.IsVmFail(check))
        {
            // Guest-state check failed: the entry ends in a VM exit with bit 31 set, basic reason 33.
            RecordVmExit(v, VmExitReasons.Name(VmExitReasons.InvalidState), null, null);
        }

        if (_linux)
        {
            // KVM's __vmx_handle_exit(): dump_vmcs() for exit_reason.failed_vmentry and for vmx->fail alike, then
            // KVM_EXIT_FAIL_ENTRY to user space (the vCPU stays out until the next enter step).
            KvmDumpVmcs(v.Host.Index);
        }

        v.Running = false;
    }

    /// <summary>Without virtual-interrupt delivery KVM injects the highest emulated IRR vector at entry, or asks for an interrupt window.</summary>
    private void InjectEmulated(Vcpu v)
    {
        if (!v.Vapic.HasDeliverable)
        {
            return;
        }

        if (v.Guest.CanTakeInterrupt)
        {
            var vector = v.Vapic.Deliver();
            _delivered++;
            EnterGuestHandler(v, EventType.ExternalInterrupt, vector, null);
        }
        else
        {
            v.InterruptWindow = true;
        }
    }

    /// <summary>
    /// The vCPU leaves guest mode. <paramref name="exitRecorded"/>: the caller records the exit in <c>vmexits</c>, whose
    /// trace event ("VM exit" with its reason) marks the leave; otherwise (a kick to inject an event, another vCPU
    /// entering on the CPU) the trace gets a "VM exit" instant with reason <c>leave</c>: one instant per exit either way
    /// (docs/cli.md, trace).
    /// </summary>
    private void LeaveGuest(Vcpu v, bool exitRecorded = false)
    {
        if (v.SoftNmiBlocked && v.Guest.CanTakeInterrupt)
        {
            // __vmx_handle_exit(): the exit ends KVM's soft NMI blocking when the guest can take interrupts.
            v.SoftNmiBlocked = false;
        }

        v.InGuest = false;
        v.HostNmisBlocked = false;
        v.Pid.Nv = PostedIntrVector;
        v.Pid.Sn = true;
        if (_sinks.Length > 0 && !exitRecorded)
        {
            Trace(new TraceEvent(_now, v.Host.Index, TraceEventKind.VmExit, Name: "leave", Vm: v.Name, Vcpu: v.Index));
        }
    }

    private void RecordVmExit(Vcpu v, string reason, int? vector, string? via)
    {
        // Every exit takes its seq; beyond the bound one is counted, not kept (docs/simulation.md, "Safety bounds").
        var seq = _vmExitSeq++;
        if (_vmExits.Count < MaxVmExits)
        {
            _vmExits.Add(new VmExitEntry(seq, _now, v.Name, v.Index, v.Host.Index, reason, vector, via));
        }
        else
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_unkeptVmExits, (reason, via), out _)++;
        }

        if (_sinks.Length > 0)
        {
            Trace(new TraceEvent(_now, v.Host.Index, TraceEventKind.VmExit, vector ?? -1, reason, Vm: v.Name, Vcpu: v.Index));
        }
    }
}
