using IrqLab.Delivery;
using IrqLab.Hardware;
using IrqLab.Kernel;
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
                VmEntry(v);
                break;
            case VmOp.Exit:
                // The guest halts: HLT exit, and KVM blocks the vCPU (posted interrupts now notify on the wakeup vector).
                if (v.InGuest)
                {
                    PreemptTop(v.Host);
                    RecordVmExit(v, VmExitReasons.Name(VmExitReasons.Hlt), null, null);
                    LeaveGuest(v);
                }

                v.Running = false;
                v.Pid.Nv = PostedIntrWakeupVector;
                v.Pid.Sn = false;
                break;
            case VmOp.Inject:
                {
                    if (!InterruptionInfo.TryParseTypeName(step.Type ?? "ext_int", out var type))
                    {
                        throw new InvalidOperationException($"inject type '{step.Type}' was not validated at {step.Mark}");
                    }

                    var vector = step.Vector ?? (type == InterruptionType.Nmi ? VectorSpace.NmiVector : 0);
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
            if (v.Vapic.IsVirrSet(vector))
            {
                _sourceCoalesced++;
                return;
            }

            v.Vapic.SetVirr(vector);
            if (v.InGuest)
            {
                _bus.Deliver(InterruptMessage.FixedTo(v.Host.Apic.ApicId, RescheduleVector));
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
    /// KVM <c>kvm_inject_nmi()</c> + <c>inject_pending_event()</c>: a virtual NMI is injected when the guest can take
    /// it; while the guest blocks NMIs (inside its NMI handler) KVM sets NMI-window exiting, the CPU exits with
    /// NMI_WINDOW once the guest's IRET unblocks NMIs, and the NMI is injected on that re-entry. One NMI stays pending
    /// at most; a further one is merged.
    /// </summary>
    private void QueueGuestNmi(Vcpu v)
    {
        _sourceRaised++;
        if (v.GuestNmiPending || v.NmiWindow)
        {
            _sourceCoalesced++;
            return;
        }

        if (v.InGuest && !v.Guest.NmiBlocked && !v.Guest.MovSsShadow)
        {
            // The vCPU is kicked out and the NMI is injected on the immediate re-entry.
            _delivered++;
            PreemptTop(v.Host);
            LeaveGuest(v);
            v.Injection = InterruptionInfo.Create(InterruptionType.Nmi, VectorSpace.NmiVector, false);
            VmEntry(v);
            return;
        }

        if (v.Guest.NmiBlocked)
        {
            v.GuestNmiPending = true;
            return;
        }

        // Not running: injected at the next entry.
        _delivered++;
        v.Injection = InterruptionInfo.Create(InterruptionType.Nmi, VectorSpace.NmiVector, false);
    }

    // ---------------------------------------------------------------- entry and exit

    private void VmEntry(Vcpu v)
    {
        var c = v.Host;
        if (c.Shutdown || v.InGuest)
        {
            return;
        }

        if (c.Loaded is { InGuest: true } other && other != v)
        {
            LeaveGuest(other);
        }

        // Re-inject an event whose delivery an exit interrupted (KVM __vmx_complete_interrupts).
        if (!v.Injection.Valid && v.Vectoring.TryTakeForReinjection(out var vectoring, out var vectoringEc))
        {
            v.Injection = vectoring;
            v.InjectionErrorCode = vectoringEc;
        }

        var controlsCheck = v.Controls.ValidateForEntry();
        if (controlsCheck != VmEntryCheck.Ok)
        {
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
                FailEntry(v, check);
                return;
            }
        }

        c.Loaded = v;
        v.InGuest = true;
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
            EnterGuestHandler(v, ToEventType(info.Type), info.Vector, info.ErrorCodeValid ? v.InjectionErrorCode : null);
        }
        else if (!v.Controls.VirtualInterruptDelivery)
        {
            InjectEmulated(v);
        }

        MarkDirty(c.Index);
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

    private void LeaveGuest(Vcpu v)
    {
        v.InGuest = false;
        v.Pid.Nv = PostedIntrVector;
        v.Pid.Sn = true;
        if (_sinks.Length > 0)
        {
            Trace(new TraceEvent(_now, v.Host.Index, TraceEventKind.VmExit, Name: "leave", Vm: v.Name, Vcpu: v.Index));
        }
    }

    private void RecordVmExit(Vcpu v, string reason, int? vector, string? via)
    {
        _vmExits.Add(new VmExitEntry(_vmExitSeq++, _now, v.Name, v.Index, v.Host.Index, reason, vector, via));
        if (_sinks.Length > 0)
        {
            Trace(new TraceEvent(_now, v.Host.Index, TraceEventKind.VmExit, vector ?? -1, reason, Vm: v.Name, Vcpu: v.Index));
        }
    }

    // ---------------------------------------------------------------- recognition in guest mode

    /// <summary>
    /// Event recognition while a vCPU runs on <paramref name="c"/>, highest priority first (SDM Table 6-2 with the
    /// VMX additions of §26.7): host NMI (exit), host interrupt (exit, or posted-interrupt processing), NMI-window and
    /// interrupt-window exits, then virtual-interrupt delivery into the guest.
    /// </summary>
    private bool GuestRecognize(CpuContext c)
    {
        if (c.Loaded is not { InGuest: true } v)
        {
            return false;
        }

        if (c.NmiPending && !c.State.NmiBlocked)
        {
            // NMI exiting: exit reason 0 with an NMI interruption type; the host runs its NMI handler.
            c.NmiPending = false;
            _delivered++;
            PreemptTop(c);
            var via = ViaName(v);
            RecordVmExit(v, VmExitReasons.Name(VmExitReasons.ExceptionNmi), VectorSpace.NmiVector, via);
            LeaveGuest(v);
            HostHandle(c, v, new CpuEvent(EventType.Nmi, VectorSpace.NmiVector));
            return true;
        }

        if (c.Apic.HasInterrupt)
        {
            PreemptTop(c);
            if (v.Controls.ProcessPostedInterrupts && c.Apic.HighestPendingVector() == v.Controls.PostedInterruptNotificationVector)
            {
                // Posted-interrupt processing (SDM 30.6): acknowledge, clear ON, EOI, PIR -> VIRR. No exit.
                Acknowledge(c);
                c.Apic.Eoi();
                v.Pid.HarvestInto(v.Vapic);
                return true;
            }

            LeaveGuest(v);
            if (v.Controls.AcknowledgeInterruptOnExit)
            {
                var vector = Acknowledge(c);
                RecordVmExit(v, VmExitReasons.Name(VmExitReasons.ExternalInterrupt), vector, ViaName(v));
                HostHandle(c, v, new CpuEvent(EventType.ExternalInterrupt, (byte)vector));
            }
            else
            {
                // The interrupt stays pending in the APIC; the host takes it through its own IDT/FRED once it sets IF.
                RecordVmExit(v, VmExitReasons.Name(VmExitReasons.ExternalInterrupt), null, null);
                c.State.If = true;
                MarkDirty(c.Index);
            }

            return true;
        }

        if (c.Depth > 0 && c.BusyUntilNs > 0 && !v.Guest.If)
        {
            return false;
        }

        if (v.NmiWindow && !v.Guest.NmiBlocked && !v.Guest.MovSsShadow)
        {
            v.NmiWindow = false;
            _delivered++;
            PreemptTop(c);
            RecordVmExit(v, VmExitReasons.Name(VmExitReasons.NmiWindow), null, null);
            LeaveGuest(v);
            v.Injection = InterruptionInfo.Create(InterruptionType.Nmi, VectorSpace.NmiVector, false);
            VmEntry(v);
            return true;
        }

        if (v.InterruptWindow && v.Guest.CanTakeInterrupt)
        {
            v.InterruptWindow = false;
            PreemptTop(c);
            RecordVmExit(v, VmExitReasons.Name(VmExitReasons.InterruptWindow), null, null);
            LeaveGuest(v);
            VmEntry(v);
            return true;
        }

        if (v.Controls.VirtualInterruptDelivery && v.Vapic.HasDeliverable && v.Guest.CanTakeInterrupt)
        {
            PreemptTop(c);
            var vector = v.Vapic.Deliver();
            _delivered++;
            EnterGuestHandler(v, EventType.ExternalInterrupt, vector, null);
            return true;
        }

        return false;
    }

    private static string ViaName(Vcpu v) => v.Vm.Reinject == ReinjectKind.Software ? "software" : "idt";

    /// <summary>
    /// The host's handling of an exit-causing interrupt or NMI with host IF=0 (KVM <c>handle_external_interrupt_irqoff</c>,
    /// <c>vmx_handle_nmi</c>): <c>reinject: software</c> dispatches through <c>external_interrupt()</c> (the system
    /// vector table / common_interrupt; FRED's <c>fred_entry_from_kvm</c>), <c>reinject: idt</c> calls the handler found in
    /// the host IDT gate. Once the host handler returns, KVM's run loop re-enters the guest.
    /// </summary>
    private void HostHandle(CpuContext c, Vcpu v, in CpuEvent ev)
    {
        var software = v.Vm.Reinject == ReinjectKind.Software;

        // After the exit the host runs with IF = 0; an NMI exit leaves NMIs blocked until the handler's return
        // (SDM 27.2.3). KVM forges the frame its handler returns through (IRET, or ERETS under FRED).
        c.State.EnterEvent(clearIf: true, isNmi: ev.Type == EventType.Nmi);
        if (_linux)
        {
            DispatchResult r;
            string path;
            if (ev.Type == EventType.Nmi)
            {
                r = _kernel!.Nmi(c.Index);
                path = "nmi";
            }
            else
            {
                r = _kernel!.ExternalInterrupt(c.Index, ev.Vector, software ? EntryRoute.Software : EntryRoute.Idt);
                path = r.Path == DispatchPath.Exception ? "exception" : software ? PathName(r.Path) : "idt_gate";
            }

            var f = PushFrame(c, FrameKind.Linux, ev, savedIf: false);
            f.Fred = software && _fred;
            f.Handler = r.Handler;
            f.Irq = r.Irq;
            f.RemainingNs = r.CostNs;
            RecordDispatch(c, r.Trapped ? EventType.HardwareException : ev.Type, r.Trapped ? 6 : ev.Vector, r.Handler, path, r.Irq, null, -1);
        }
        else
        {
            EnterBare(c, ev, savedIf: false, _bareHandlers, null, -1);
        }
    }

    /// <summary>Delivers an event to the guest through its own IDT: one of the VM's handlers runs with vm/vcpu set.</summary>
    private void EnterGuestHandler(Vcpu v, EventType type, int vector, uint? errorCode)
    {
        var c = v.Host;
        var savedIf = v.Guest.If;

        // The exception bitmap (SDM 25.2): an intercepted exception exits instead of reaching the guest; a missing guest
        // gate raises #NP(EXT, IDT, vector) during the delivery, which exits with the event in IDT-vectoring (SDM 27.2.4).
        if (type == EventType.HardwareException && v.Intercepts(vector))
        {
            ExceptionExit(v, vector, null, 0, null);
            return;
        }

        if (!v.GuestIdt.Idt[vector].Present && v.Intercepts(NpVector))
        {
            ExceptionExit(v, NpVector, type, vector, errorCode);
            return;
        }

        // Delivery through the guest's own IDT: interrupt gates clear the guest's IF, an NMI blocks (virtual) NMIs,
        // a missing gate raises #NP and may end in #DF or a triple fault, which is a VM exit (reason 2, SDM 25.2).
        var outcome = v.GuestIdt.Deliver(v.Guest, new CpuEvent(type, (byte)vector, errorCode));
        if (outcome.Kind == DeliveryOutcomeKind.TripleFault)
        {
            RecordVmExit(v, VmExitReasons.Name(VmExitReasons.TripleFault), null, null);
            LeaveGuest(v);
            v.Running = false;
            return;
        }

        var ev = outcome.Delivered;
        var f = PushFrame(c, FrameKind.Actions, ev, savedIf);
        f.Fred = false;
        f.Vm = v.Name;
        f.Vcpu = v.Index;
        f.Handler = _bareNames[ev.Vector];
        f.Actions = v.Handlers[ev.Vector]?.Do ?? [];
        RecordDispatch(c, ev.Type, ev.Vector, f.Handler, ev.Type == EventType.Nmi ? "nmi" : ev.Type == EventType.ExternalInterrupt ? "idt_gate" : "exception", -1, v.Name, v.Index);
    }

    private static EventType ToEventType(InterruptionType t) => (EventType)(byte)t;

    private const int NpVector = 11;

    /// <summary>
    /// An exception-bitmap exit: EXCEPTION_NMI with the exception's vector; when it interrupted the delivery of another
    /// event, that event goes to IDT-vectoring information and is re-injected at the next entry (KVM
    /// <c>__vmx_complete_interrupts</c>). KVM hands exceptions it does not handle itself to user space, so the vCPU
    /// stays out of guest mode until the next <c>enter</c>.
    /// </summary>
    private void ExceptionExit(Vcpu v, int vector, EventType? interrupted, int interruptedVector, uint? interruptedErrorCode)
    {
        if (interrupted is { } t)
        {
            v.Vectoring.Record(InterruptionInfo.Create((InterruptionType)(byte)t, interruptedVector, interruptedErrorCode is not null), interruptedErrorCode ?? 0);
        }

        RecordVmExit(v, VmExitReasons.Name(VmExitReasons.ExceptionNmi), vector, null);
        LeaveGuest(v);
        v.Running = false;
    }

    /// <summary>After a frame returns: a guest frame ends its IRET in the guest; a host frame may let KVM re-enter the guest.</summary>
    private void GuestReturned(CpuContext c, Frame f)
    {
        if (c.Loaded is not { } v)
        {
            return;
        }

        if (f.Vm is not null)
        {
            // The guest handler's IRET restores its IF and ends (virtual) NMI blocking; a waiting NMI opens the NMI window.
            v.GuestIdt.Iret(v.Guest, wasNmi: f.IsNmi);
            if (f.IsNmi && v.GuestNmiPending)
            {
                v.GuestNmiPending = false;
                v.NmiWindow = true;
            }

            return;
        }

        if (!v.InGuest && v.Running && !HasHostFrames(c))
        {
            ReenterAfterExit(c, v);
        }
    }

    /// <summary>
    /// KVM's run loop after handling an exit: <c>local_irq_enable()</c> first (linux-dispatch.md §6.2), so a host
    /// interrupt or NMI that became pending meanwhile is taken in host mode through the host's own IDT/FRED; only
    /// when nothing is pending does the vCPU re-enter the guest.
    /// </summary>
    private void ReenterAfterExit(CpuContext c, Vcpu v)
    {
        c.State.If = true;
        if ((c.NmiPending && !c.State.NmiBlocked) || c.Apic.HasInterrupt || c.ExtIntPending)
        {
            MarkDirty(c.Index);
            return;
        }

        VmEntry(v);
    }

    private static bool HasHostFrames(CpuContext c)
    {
        for (var i = 0; i < c.Depth; i++)
        {
            if (c.FrameAt(i).Vm is null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A guest frame can only run while its vCPU is in guest mode.</summary>
    private static bool FrameCanRun(CpuContext c, Frame f) => f.Vm is null || c.Loaded is { InGuest: true };

    /// <summary>Handler actions inside a guest: EOI and self-IPIs are virtualized (APICv), STI/CLI change the guest's IF.</summary>
    private long GuestAction(CpuContext c, Frame f, Step step)
    {
        var v = c.Loaded!;
        switch (step)
        {
            case AdvanceStep a:
                return a.DurationNs;
            case EoiStep:
                {
                    var outcome = v.Vapic.VirtualEoi();
                    if (!v.Controls.VirtualInterruptDelivery)
                    {
                        // Without APICv the EOI write traps to KVM, which emulates it and re-enters.
                        RecordVmExit(v, VmExitReasons.Name(_scenario.Machine.Apic == ApicMode.X2Apic ? MsrWriteExit : VmExitReasons.ApicAccess), null, null);
                        InjectEmulated(v);
                    }
                    else if (outcome.ExitRequired)
                    {
                        RecordVmExit(v, VmExitReasons.Name(VmExitReasons.EoiInduced), outcome.Vector, null);
                    }

                    return 0;
                }

            case InterruptFlagStep s:
                if (s.Set)
                {
                    v.Guest.Sti();
                }
                else
                {
                    v.Guest.Cli();
                }

                return 0;
            case IpiStep ipi when ipi.To == IpiTargetKind.Self:
                // Self-IPI virtualization (SDM 30.1.4): VIRR[V] = 1, RVI = max(RVI, V).
                _sourceRaised++;
                if (v.Vapic.IsVirrSet(ipi.Vector))
                {
                    _sourceCoalesced++;
                }
                else
                {
                    v.Vapic.SetVirr(ipi.Vector);
                }

                return 0;
            default:
                AddMessage(c.Index, "info", $"irqlab: guest action {step.GetType().Name} at line {step.Mark.Line} is not modelled inside a VM; ignored");
                return 0;
        }
    }
}
