using System.Globalization;
using IrqLab.Delivery;
using IrqLab.Hardware;
using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using IrqLab.Virtualization;

namespace IrqLab.Simulation;

/// <summary>
/// A running guest: event recognition in VMX non-root operation (exits, posted-interrupt processing, NMI and
/// interrupt windows, virtual-interrupt delivery), the host's handling of exits, and the guest's own handlers.
/// </summary>
internal sealed partial class Machine
{
    /// <summary>
    /// Event recognition while a vCPU runs on <paramref name="c"/>, highest priority first (SDM Vol. 3A Table 6-2 with the
    /// VMX additions of Vol. 3C "VMX Non-Root Operation" §25.2, interrupt-window and NMI-window exiting, whence the quotes
    /// below; "VM Entries" §26.7.5-26.7.6 for the windows at a VM entry; "Virtual-Interrupt Delivery" §29.2.2; 2016-2021
    /// numbering, docs/README.md):
    /// NMI-window exit ("VM exits caused by this control take priority over non-maskable interrupts (NMIs) and lower
    /// priority events"), host NMI (exit), interrupt-window exit or virtual-interrupt delivery ("NMIs and higher priority
    /// events take priority over" them; they "take priority over external interrupts and lower priority events"), then a
    /// host interrupt (exit, or posted-interrupt processing). The window conditions and a deliverable virtual interrupt
    /// are only ever met together with a pending host interrupt or NMI at a VM entry: KVM enters with host interrupts
    /// off, so one that arrived meanwhile is pending when the guest starts.
    /// </summary>
    private bool GuestRecognize(CpuContext c)
    {
        if (c.Loaded is not { InGuest: true } v)
        {
            return false;
        }

        // A guest frame spending time with IF = 0 opens no window and takes no virtual interrupt until its next boundary.
        var busyWithIfClear = c.Depth > 0 && c.BusyUntilNs > 0 && !v.Guest.If;

        if (!busyWithIfClear && v.NmiWindow && !v.Guest.NmiBlocked && !v.Guest.MovSsShadow)
        {
            v.NmiWindow = false;
            _delivered++;
            PreemptTop(c);
            RecordVmExit(v, VmExitReasons.Name(VmExitReasons.NmiWindow), null, null);
            LeaveGuest(v, exitRecorded: true);
            v.Injection = InterruptionInfo.Create(EventType.Nmi, VectorSpace.NmiVector, false);
            VmEntry(v);
            return true;
        }

        if (c.NmiPending && !c.State.NmiBlocked && !v.HostNmisBlocked)
        {
            // NMI exiting: exit reason 0 with an NMI interruption type; the host runs its NMI handler.
            c.NmiPending = false;
            _delivered++;
            PreemptTop(c);
            var via = ViaName(v);
            RecordVmExit(v, VmExitReasons.Name(VmExitReasons.ExceptionNmi), VectorSpace.NmiVector, via);
            LeaveGuest(v, exitRecorded: true);
            HostHandle(c, v, new CpuEvent(EventType.Nmi, VectorSpace.NmiVector));
            return true;
        }

        if (!busyWithIfClear && v.InterruptWindow && v.Guest.CanTakeInterrupt)
        {
            v.InterruptWindow = false;
            PreemptTop(c);
            RecordVmExit(v, VmExitReasons.Name(VmExitReasons.InterruptWindow), null, null);
            LeaveGuest(v, exitRecorded: true);
            if (v.NmiAtInterruptWindow)
            {
                v.NmiAtInterruptWindow = false;
                _delivered++;
                v.Injection = InterruptionInfo.Create(EventType.Nmi, VectorSpace.NmiVector, false);
            }

            // A host NMI that the guest's blocking by NMI held (no virtual NMIs) is unblocked by this exit: the host takes
            // it in root operation, and KVM's run loop re-enters once its handler returns (the entry injecting the NMI
            // would otherwise block it again).
            if (c.NmiPending && !c.State.NmiBlocked)
            {
                DeliverPendingNmi(c);
                return true;
            }

            VmEntry(v);
            return true;
        }

        if (!busyWithIfClear && v.Controls.VirtualInterruptDelivery && v.Vapic.HasDeliverable && v.Guest.CanTakeInterrupt)
        {
            PreemptTop(c);
            var vector = v.Vapic.Deliver();
            _delivered++;
            EnterGuestHandler(v, EventType.ExternalInterrupt, vector, null);
            return true;
        }

        if (c.ExtIntPending || c.Apic.HasInterrupt)
        {
            PreemptTop(c);
            if (!c.ExtIntPending && v.Controls.ProcessPostedInterrupts && c.Apic.HighestPendingVector() == v.Controls.PostedInterruptNotificationVector)
            {
                // Posted-interrupt processing (SDM 30.6): acknowledge, clear ON, EOI, PIR -> VIRR. No exit.
                Acknowledge(c);
                c.Apic.Eoi();
                v.Pid.HarvestInto(v.Vapic);
                return true;
            }

            LeaveGuest(v, exitRecorded: true);
            if (v.Controls.AcknowledgeInterruptOnExit)
            {
                // The exit acknowledges the interrupt controller (SDM 27.2.2): the local APIC, or for an ExtINT through
                // LINT0 the 8259, whose INTA gives the vector.
                var vector = c.ExtIntPending ? AcknowledgeExtInt(c) : Acknowledge(c);
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

        // After the exit the host runs with IF = 0; an NMI exit leaves NMIs blocked until the handler's return (SDM
        // Vol. 3C 27.1, "Architectural State Before a VM Exit": an NMI that causes a VM exit directly "causes subsequent
        // NMIs to be blocked, but only after the VM exit completes"). KVM forges the frame its handler returns through
        // (IRET, or ERETS under FRED).
        c.State.EnterEvent(clearIf: true, isNmi: ev.Type == EventType.Nmi);
        if (_linux)
        {
            DispatchLinux(c, ev, savedIf: false, software ? EntryRoute.Software : EntryRoute.Idt, software && _fred);
        }
        else
        {
            EnterBare(c, ev, savedIf: false, _bareHandlers, null, -1);
        }
    }

    /// <summary>
    /// Delivers an event to the guest through its own IDT: one of the VM's handlers runs with vm/vcpu set.
    /// <paramref name="injected"/>: the event comes from the VM-entry interruption-information field, which never causes a
    /// VM exit itself, whatever the VM-execution controls (SDM 26.5.1.2), so the exception bitmap does not apply to it.
    /// </summary>
    private void EnterGuestHandler(Vcpu v, EventType type, int vector, uint? errorCode, bool injected = false)
    {
        var c = v.Host;
        var savedIf = v.Guest.If;

        // The exception bitmap (SDM 25.2): an intercepted exception exits instead of reaching the guest; a missing guest
        // gate raises #NP(EXT, IDT, vector) during the delivery, which exits with the event in IDT-vectoring (SDM 27.2.4),
        // an injected event's delivery included; an injected event itself never exits (SDM 26.5.1.2).
        // #BP from INT3 and #OF from INTO (software exceptions) and #DB from INT1 are exceptions too, and exit when their
        // bit is set (SDM 25.2, 24.6.3); INT n is not.
        if (type is EventType.HardwareException or EventType.SoftwareException or EventType.PrivilegedSoftwareException
            && !injected && v.Intercepts(vector))
        {
            ExceptionExit(v, vector, null, 0, null);
            return;
        }

        // KVM keeps #DB, #UD and #AC in every guest's exception bitmap (vmx_update_exception_bitmap); with no debugger,
        // instruction to emulate or split lock to handle, handle_exception_nmi() queues the same exception back for the
        // guest (kvm_queue_exception*), so the guest still takes it, after an EXCEPTION_NMI exit and a re-entry that
        // injects it. (#MC is handled on the host, MachineCheckInGuest.)
        if (!injected && _linux && type == EventType.HardwareException && IsKvmReinjectedException(vector))
        {
            RecordVmExit(v, VmExitReasons.Name(VmExitReasons.ExceptionNmi), vector, null);
            LeaveGuest(v, exitRecorded: true);
            v.Injection = InterruptionInfo.Create(type, vector, errorCode is not null);
            v.InjectionErrorCode = errorCode ?? 0;
            VmEntry(v);
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
            LeaveGuest(v, exitRecorded: true);
            v.Running = false;
            return;
        }

        if (type == EventType.Nmi && !v.Controls.VirtualNmis)
        {
            v.HostNmisBlocked = true;
            v.SoftNmiBlocked = true;
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

    private const int NpVector = 11;

    /// <summary>#DB (1), #UD (6) and #AC (17): in KVM's exception bitmap for every guest, and given back to the guest.</summary>
    private static bool IsKvmReinjectedException(int vector) => vector is 1 or 6 or 17;

    /// <summary>
    /// A machine check while a guest runs: KVM keeps #MC in every guest's exception bitmap (vmx_update_exception_bitmap)
    /// and handles it on the host, so the exit is EXCEPTION_NMI with vector 18, handle_exception_irqoff() calls
    /// kvm_machine_check(), which runs the host's machine-check handler with interrupts off (a <c>machine_check</c>
    /// fault, as on the host), and the guest resumes once it returns. kvm_machine_check() calls do_machine_check() only
    /// with CONFIG_X86_MCE; without it the host runs nothing.
    /// </summary>
    private void MachineCheckInGuest(CpuContext c, Vcpu v)
    {
        PreemptTop(c);
        RecordVmExit(v, VmExitReasons.Name(VmExitReasons.ExceptionNmi), MachineCheckVector, null);
        LeaveGuest(v, exitRecorded: true);
        if (_scenario.Kernel.IsEnabled("X86_MCE"))
        {
            c.State.If = false;
            if (GenerateMachineCheck(c))
            {
                Deliver(c, new CpuEvent(EventType.HardwareException, MachineCheckVector));
            }
        }
        else
        {
            AddFault(c.Index, "machine_check");
            ReenterAfterExit(c, v);
        }

        MarkDirty(c.Index);
    }

    /// <summary>
    /// An INIT for a CPU that runs a guest: in VMX non-root operation INIT causes a VM exit (reason 3, INIT_SIGNAL) and
    /// none of its usual operations, so the host's local APIC keeps its state (SDM Vol. 3C 25.2). KVM has no handler for
    /// the exit outside nested virtualization: <c>__vmx_handle_exit()</c> logs "vmx: unexpected exit reason 0x3" and
    /// returns KVM_EXIT_INTERNAL_ERROR to user space, so the vCPU stays out until the next <c>enter</c> step. Returns
    /// false when no guest runs on <paramref name="c"/> (the INIT then resets the APIC as usual).
    /// </summary>
    private bool InitInGuest(CpuContext c)
    {
        if (c.Loaded is not { InGuest: true } v)
        {
            return false;
        }

        PreemptTop(c);
        RecordVmExit(v, VmExitReasons.Name(VmExitReasons.InitSignal), null, null);
        LeaveGuest(v, exitRecorded: true);
        v.Running = false;
        if (_linux)
        {
            KvmUnexpectedExit(c.Index, v.Index, VmExitReasons.InitSignal);
        }

        MarkDirty(c.Index);
        return true;
    }

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
            v.Vectoring.Record(InterruptionInfo.Create(t, interruptedVector, interruptedErrorCode is not null), interruptedErrorCode ?? 0);
        }

        RecordVmExit(v, VmExitReasons.Name(VmExitReasons.ExceptionNmi), vector, null);
        LeaveGuest(v, exitRecorded: true);
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
            // The guest handler's IRET restores its IF and ends (virtual) NMI blocking, whichever handler it returns from:
            // "IRET removes any virtual-NMI blocking" (SDM Vol. 3C 25.3), also from an exception or interrupt nested in the
            // guest's NMI handler. A waiting NMI then opens the NMI window: KVM armed NMI-window exiting when it could not
            // inject it (enable_nmi_window), and the exit comes at the first boundary without virtual-NMI blocking
            // (SDM 26.7.6), inside the NMI handler if the IRET was a nested handler's.
            v.GuestIdt.Iret(v.Guest, wasNmi: f.IsNmi);
            if (v.GuestNmiPending && !v.Guest.NmiBlocked)
            {
                v.GuestNmiPending = false;
                RequestNmiWindow(v);
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

        // An exit step came while the host handled the exit: the guest executes its HLT now that it runs again.
        if (v.HaltOnReentry && v.InGuest)
        {
            var steps = v.StepsAfterHalt;
            GuestHalt(v);

            // Enter and exit steps that came after that exit step during the same host handler, alternately (the loader's
            // order rules): KVM_RUN enters the vCPU again, and the guest halts again, as without the handler in between.
            for (var i = 0; i < steps; i++)
            {
                if (i % 2 == 0)
                {
                    v.Running = true;
                    v.Blocked = false;
                    VmEntry(v);
                }
                else if (v.InGuest)
                {
                    GuestHalt(v);
                }
            }
        }
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

    /// <summary>
    /// A guest APIC write that traps without APICv: an APIC_ACCESS exit (xAPIC MMIO) or MSR_WRITE (x2APIC), emulated by
    /// KVM, which injects the emulated APIC's highest deliverable interrupt on the way back in.
    /// </summary>
    private void ApicWriteTrap(Vcpu v) =>
        GuestApicTrap(v, GuestX2Apic ? MsrWriteExit : VmExitReasons.ApicAccess);

    /// <summary>
    /// A guest frame can only run while its own vCPU is in guest mode: a host CPU runs one vCPU at a time, and the frame of
    /// a vCPU that left the CPU (halted, or out after an exit) while another vCPU, of this VM or another, runs there now
    /// waits for its vCPU's next entry; its actions are that vCPU's instructions, never the loaded one's.
    /// </summary>
    private static bool FrameCanRun(CpuContext c, Frame f) =>
        f.Vm is null || (c.Loaded is { InGuest: true } v && IsFrameOf(f, v));

    /// <summary>Whether guest frame <paramref name="f"/> belongs to vCPU <paramref name="v"/> (VM name and vCPU index).</summary>
    private static bool IsFrameOf(Frame f, Vcpu v) => f.Vcpu == v.Index && string.Equals(f.Vm, v.Name, StringComparison.Ordinal);

    /// <summary>
    /// Handler actions inside a guest: STI/CLI change the guest's IF; EOI, register accesses and IPIs reach the guest's
    /// own APIC (<c>Machine.GuestApic.cs</c>); <c>raise</c>, <c>lower</c> and <c>pulse</c> act on the device as from the
    /// host (the device is the same hardware whoever drives it). What is not modelled is said once and ignored.
    /// </summary>
    private long GuestAction(CpuContext c, Frame f, Step step)
    {
        var v = c.Loaded!;
        switch (step)
        {
            case AdvanceStep a:
                return a.DurationNs;
            case EoiStep:
                GuestEoi(v);
                return 0;
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
            case IpiStep ipi when ipi.From is null && GuestIpi(v, ipi.To, ipi.Destination, ipi.Vector, ipi.Mode):
                return 0;
            case ReadStep r when GuestRead(v, r):
                return 0;
            case WriteStep w when GuestWrite(v, w):
                return 0;
            case DeviceStep:
                return ExecuteAction(c, f, step);
            default:
                // Said once per action of the scenario (a busy guest handler would repeat it on every run of the handler),
                // and named by the handler, not by a file line: the output is the same whether the scenario was YAML or JSON.
                if (_ignoredGuestActions.Add(step))
                {
                    AddMessage(c.Index, "info", string.Create(CultureInfo.InvariantCulture,
                        $"irqlab: guest action {ActionWord(step)} in VM {f.Vm}'s handler for vector 0x{f.Vector:x2} is not modelled inside a VM; ignored"));
                }

                return 0;
        }
    }

    /// <summary>
    /// KVM's report of an exit reason it has no handler for (arch/x86/kvm/vmx/vmx.c <c>__vmx_handle_exit()</c>, label
    /// <c>unexpected_vmexit</c>): <c>vcpu_unimpl()</c> (include/linux/kvm_host.h: <c>pr_err_ratelimited("kvm [%i]: "
    /// "vcpu%i, guest rIP: 0x%lx " fmt)</c>, the vCPU thread's tgid and the guest RIP, which the model does not have: both
    /// print 0) and <c>dump_vmcs()</c>, which without the <c>kvm_intel.dump_invalid_vmcs</c> parameter (default off) only
    /// says so with <c>pr_warn_ratelimited</c>. The text follows <c>kernel.version</c>: from 6.3 every KVM x86 file prints
    /// through <c>pr_fmt(KBUILD_MODNAME ": ")</c> ("KVM: x86: Unify pr_fmt to use module name for all KVM modules"), so
    /// vmx.c's lines start "kvm_intel: " on 6.6 and later; on <c>latest</c> ("KVM: x86: Add a helper to dedup reporting of
    /// unhandled VM-Exits") vmx.c calls <c>dump_vmcs()</c> first and then x86.c's
    /// <c>kvm_prepare_unexpected_reason_exit()</c> reports "unexpected exit reason 0x%llx" with x86.c's "kvm: " prefix.
    /// Each call site has its own rate limit (10 per 5 s) and prints "&lt;function&gt;: N callbacks suppressed".
    /// </summary>
    private void KvmUnexpectedExit(int cpu, int vcpu, int reason)
    {
        var version = _scenario.Kernel.Version;
        if (version == KernelVersion.Latest)
        {
            KvmDumpVmcs(cpu);
            _kernel!.LogRatelimited(cpu, _kvmUnimplRateLimit, "kvm_prepare_unexpected_reason_exit", KernelLogLevel.Err, string.Create(CultureInfo.InvariantCulture,
                $"kvm: kvm [0]: vcpu{vcpu}, guest rIP: 0x0 unexpected exit reason 0x{reason:x}"));
            return;
        }

        _kernel!.LogRatelimited(cpu, _kvmUnimplRateLimit, "__vmx_handle_exit", KernelLogLevel.Err, string.Create(CultureInfo.InvariantCulture,
            $"{KvmIntelPrefix(version)}kvm [0]: vcpu{vcpu}, guest rIP: 0x0 vmx: unexpected exit reason 0x{reason:x}"));
        KvmDumpVmcs(cpu);
    }

    /// <summary>
    /// <c>dump_vmcs()</c> (arch/x86/kvm/vmx/vmx.c, 6.1 to newest) with the <c>kvm_intel.dump_invalid_vmcs</c> parameter
    /// off (the default): it only says so, with <c>pr_warn_ratelimited</c> (one rate-limit state for all its callers).
    /// <c>__vmx_handle_exit()</c> calls it for an exit reason KVM has no handler for (<see cref="KvmUnexpectedExit"/>)
    /// and for every failed VM entry, before it returns <c>KVM_EXIT_FAIL_ENTRY</c> to user space: a VM exit with the
    /// failed-VM-entry bit (<c>exit_reason.failed_vmentry</c>, invalid guest state) and a VMfailValid
    /// (<c>vmx->fail</c>, invalid controls) alike.
    /// </summary>
    private void KvmDumpVmcs(int cpu) =>
        _kernel!.LogRatelimited(cpu, _dumpVmcsRateLimit, "dump_vmcs", KernelLogLevel.Warning,
            KvmIntelPrefix(_scenario.Kernel.Version) + "set kvm_intel.dump_invalid_vmcs=1 to dump internal KVM state.");

    /// <summary>vmx.c's <c>pr_fmt(KBUILD_MODNAME ": ")</c>, from 6.3 on ("KVM: x86: Unify pr_fmt to use module name for all KVM modules").</summary>
    private static string KvmIntelPrefix(KernelVersion version) => version >= KernelVersion.V6_6 ? "kvm_intel: " : string.Empty;

    /// <summary>The scenario's word for a step or handler action (SCENARIOS.md §6, §7), for IrqLab's messages.</summary>
    private static string ActionWord(Step step) => step switch
    {
        ReadStep => "read",
        WriteStep => "write",
        IpiStep => "ipi",
        InterruptFlagStep f => f.Set ? "sti" : "cli",
        DeviceStep d => d.Op.ToString().ToLowerInvariant(),
        _ => step.GetType().Name.Replace("Step", "", StringComparison.Ordinal).ToLowerInvariant(),
    };
}
