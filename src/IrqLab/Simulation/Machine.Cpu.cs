using System.Runtime.CompilerServices;
using IrqLab.Delivery;
using IrqLab.Hardware.Apic;
using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Tracing;
using IrqLab.Vectors;

namespace IrqLab.Simulation;

/// <summary>The CPU side of the engine: recognition at instruction boundaries, delivery, handler frames, return.</summary>
internal sealed partial class Machine
{
    private const int MachineCheckVector = 18;

    /// <summary>IA32_MCG_STATUS.</summary>
    private const uint McgStatusMsr = 0x17A;

    /// <summary>IA32_MCG_STATUS.MCIP (bit 2): machine check in progress.</summary>
    private const ulong McgStatusMcip = 1UL << 2;

    /// <summary>
    /// Runs a CPU at the current instant until it is stable: at each instruction boundary the highest-priority
    /// deliverable event is taken (SDM Vol. 3A Table 6-2: NMI before maskable interrupts), otherwise the top frame's
    /// next action runs; an action that spends time (<c>advance</c>, a Linux handler's cost) ends the pump and
    /// schedules a resume.
    /// </summary>
    private void Pump(CpuContext c)
    {
        MaterializeResumeOf(c);

        c.Pumping = true;
        while (!_stopped)
        {
            if ((c.Shutdown || c.WaitForSipi) && !RunsWhileStopped(c))
            {
                break;
            }

            // What changed on this CPU so far is seen by this recognition.
            c.ChangedWhilePumping = false;
            if (TryRecognize(c))
            {
                continue;
            }

            if (c.Depth == 0 || c.BusyUntilNs > 0 || !StepFrame(c))
            {
                break;
            }
        }

        c.Pumping = false;
        if (c.ChangedWhilePumping)
        {
            // The last step changed the CPU and the pump stopped without looking again: pump it once more.
            c.ChangedWhilePumping = false;
            QueueDirty(c);
        }
    }

    /// <summary>
    /// Whether a CPU in shutdown or wait-for-SIPI does anything at this boundary. In wait-for-SIPI nothing is taken
    /// (NMIs are blocked, SDM Vol. 3C §28.2). In shutdown only an NMI is taken (SDM Vol. 3A §6.15: the processor
    /// "stops executing instructions until an NMI interrupt, SMI interrupt, hardware reset, or INIT# is received");
    /// the NMI handler then runs like any handler above <see cref="CpuContext.ShutdownDepth"/>, and its return leaves
    /// the CPU in shutdown: the frames below it belong to the context that shut down, which has nothing defined to
    /// resume, so they never run again.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool RunsWhileStopped(CpuContext c) =>
        !c.ExecutesNothing || (!c.WaitForSipi && c.NmiPending && !c.State.NmiBlocked);

    /// <summary>Recognizes one pending event at this boundary, if any is deliverable; true when one was delivered.</summary>
    /// <remarks>
    /// Most calls find nothing (the CPU is in a handler with IF clear, or idle): the checks stay in line and each
    /// delivery is its own out-of-line method, so this frame stays small.
    /// </remarks>
    private bool TryRecognize(CpuContext c)
    {
        // Only a CPU with a vCPU in VMX non-root operation recognizes events the guest's way (checked here, in line);
        // what it does not take there waits for the VM exit (a host NMI blocked by the guest's blocking by NMI).
        if (c.Loaded is { InGuest: true })
        {
            return GuestRecognize(c);
        }

        // One NMI can be pending (latched) while NMIs are blocked; it is taken once the return unblocks them.
        if (c.NmiPending && !c.State.NmiBlocked)
        {
            DeliverPendingNmi(c);
            return true;
        }

        if (!c.State.CanTakeInterrupt)
        {
            return false;
        }

        if (c.ExtIntPending)
        {
            DeliverExtInt(c);
            return true;
        }

        // INTR and INTA in one step: the highest IRR vector above the PPR class moves to ISR (SDM 11.8.4).
        if (c.Apic.TryAcknowledge(out var vector))
        {
            _delivered++;
            DeliverApicInterrupt(c, vector);
            return true;
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DeliverPendingNmi(CpuContext c)
    {
        c.NmiPending = false;
        _delivered++;
        Deliver(c, new CpuEvent(EventType.Nmi, VectorSpace.NmiVector));
    }

    /// <summary>
    /// The 8259's INT reaches <paramref name="c"/> straight into the BSP's INTR pin while its local APIC is globally
    /// disabled (IA32_APIC_BASE[11] = 0: "functionally equivalent to an IA-32 processor without an on-chip APIC", SDM
    /// Vol. 3A §11.4.3; QEMU <c>pic_irq_request</c>, KVM <c>kvm_apic_accept_pic_intr</c>) as a maskable interrupt that
    /// waits for INTA; and through LVT LINT0 in ExtINT mode, a level-sensitive request withdrawn when INT drops or LINT0
    /// is masked before the INTA. Nothing when INT is low. (An ExtINT message: <see cref="LatchExtInt"/>.)
    /// </summary>
    private void PendExtInt(CpuContext c)
    {
        MaterializeResumeOf(c);

        if (!c.ExtIntPending && (_pic?.IntrAsserted ?? false))
        {
            c.ExtIntPending = true;
            _sourceRaised++;
        }

        MarkDirty(c.Index);
    }

    /// <summary>
    /// The local APIC accepted an ExtINT message (an IO-APIC entry or an MSI with delivery mode 111): the CPU owes the
    /// 8259 an INTA cycle, ExtINT
    /// "causes the processor to respond to the interrupt as if the interrupt originated in an externally connected
    /// (8259A-compatible) interrupt controller. A special INTA bus cycle corresponding to ExtINT, is routed to the
    /// external controller" (SDM Vol. 3A §11.5.1, LVT delivery mode 111; 82093AA datasheet §3.2.4, IOREDTBL delivery
    /// mode 111). A message is an edge that does not look at INT: when the 8259 has no unmasked request then, that INTA
    /// gets the master's IR7 vector ("if no interrupt request is present ... the 8259A will issue an interrupt level 7",
    /// 8259A datasheet), also when INT drops or LINT0 is masked after the message (<see cref="CpuContext.ExtIntLatched"/>).
    /// Without an 8259 no controller answers the INTA, and the ExtINT is not taken.
    /// </summary>
    private void LatchExtInt(CpuContext c)
    {
        if (_pic is null)
        {
            return;
        }

        MaterializeResumeOf(c);
        if (!c.ExtIntPending)
        {
            c.ExtIntPending = true;
            _sourceRaised++;
        }

        c.ExtIntLatched = true;
        MarkDirty(c.Index);
    }

    /// <summary>
    /// After a WRMSR to IA32_APIC_BASE on the BSP: turning its local APIC off hands the 8259's INT straight to the
    /// CPU's INTR pin (a request already high is taken); turning it back on puts LINT0 (masked after the reset of
    /// SDM §11.12.5.1) back in the way, so a request pending through the bypass is withdrawn.
    /// </summary>
    private void ApicBaseWritten(CpuContext c, LocalApicMode before)
    {
        if (_pic is null || c.Index != 0 || c.Apic.Mode == before)
        {
            return;
        }

        if (c.Apic.Mode == LocalApicMode.Disabled)
        {
            PendExtInt(c);
        }
        else if (before == LocalApicMode.Disabled && c.ExtIntPending)
        {
            c.ExtIntPending = false;
            c.ExtIntLatched = false;
            _sourceDropped++;
        }
    }

    /// <summary>INTA to the 8259 (LINT0 virtual wire, or the INTR pin of an APIC-less BSP): the PIC answers with the
    /// vector of its highest request.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DeliverExtInt(CpuContext c) =>
        Deliver(c, new CpuEvent(EventType.ExternalInterrupt, (byte)AcknowledgeExtInt(c)));

    /// <summary>The INTA cycle of an ExtINT on the 8259 (by the CPU, or by a VM exit that acknowledges interrupts).</summary>
    private int AcknowledgeExtInt(CpuContext c)
    {
        c.ExtIntPending = false;
        c.ExtIntLatched = false;
        var picVector = _pic!.Acknowledge();
        var lint0 = c.Apic.Lvt(LocalInterrupt.Lint0);
        if (_pic.IntrAsserted && c.Index == 0 && c.Apic.Mode == LocalApicMode.Disabled)
        {
            // No APIC: INTR is the 8259's INT itself, sampled at every instruction boundary.
            PendExtInt(c);
        }
        else if (_pic.IntrAsserted && (Hardware.DeliveryMode)((lint0 >> 8) & 7) == Hardware.DeliveryMode.ExtInt)
        {
            // The 8259's INT is a level and LINT0 in ExtINT mode is level-sensitive (SDM Vol. 3A §11.5.1): when INT
            // stays high across this INTA (AEOI leaves no ISR bit, so a second latched request keeps it up) there is
            // no new edge, and LINT0 must see the still-asserted line again. (A LINT0 in another mode saw its edge.)
            c.Apic.RaiseLocal(LocalInterrupt.Lint0, true);
        }

        _delivered++;
        return picVector;
    }

    /// <summary>Delivers the vector the local APIC just acknowledged.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DeliverApicInterrupt(CpuContext c, int vector)
    {
        if (_sinks.Length > 0)
        {
            TracePending(c);
        }

        Deliver(c, new CpuEvent(EventType.ExternalInterrupt, (byte)vector));
    }

    /// <summary>INTA on the local APIC; counts a delivery unless the APIC answered with its spurious vector (SDM 11.9).</summary>
    private int Acknowledge(CpuContext c)
    {
        var spurious = c.Apic.SpuriousCount;
        var vector = c.Apic.Acknowledge();
        if (c.Apic.SpuriousCount == spurious)
        {
            _delivered++;
        }

        return vector;
    }

    /// <summary>Delivers an event on the CPU (IDT or FRED), then enters the Linux or bare handler it reaches.</summary>
    private void Deliver(CpuContext c, in CpuEvent ev)
    {
        var savedIf = c.State.If;
        if (_fred)
        {
            // FRED: no gate checks and no frame fault here, so the event itself is delivered.
            _fredDelivery.DeliverUnfaulted(c.State, ev);
            Enter(c, ev, savedIf);
            return;
        }

        if (_idtDelivery.TryDeliverUnfaulted(c.State, ev))
        {
            Enter(c, ev, savedIf);
            return;
        }

        DeliverFaulting(c, ev, savedIf);
    }

    /// <summary>
    /// IDT delivery that meets a fault (a not-present gate in bare mode): the full delivery with #NP, #DF or a triple
    /// fault. Out of line, so the common deliveries above do not carry (and zero) its outcome's temporaries.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DeliverFaulting(CpuContext c, in CpuEvent ev, bool savedIf)
    {
        var outcome = _idtDelivery.Deliver(c.State, ev);
        if (outcome.Kind == DeliveryOutcomeKind.TripleFault)
        {
            ShutdownCpu(c);
            return;
        }

        Enter(c, outcome.Delivered, savedIf);
    }

    /// <summary>
    /// A machine check is generated on <paramref name="c"/>, before its delivery: records it, and tells whether it can be
    /// delivered (false: the CPU shut down instead). IA32_MCG_STATUS.MCIP "indicates that a machine-check exception was
    /// generated" (SDM Vol. 3B §16.3.1.2), so it is set, and checked, whatever the delivery then meets: a bare IDT
    /// without a #MC gate turns the delivery into #NP (or #DF, a triple fault), and that #MC is still a machine check
    /// in <c>faults</c> and still leaves MCIP set, so the next one shuts the CPU down.
    /// </summary>
    private bool GenerateMachineCheck(CpuContext c)
    {
        // SCENARIOS.md §10: machine checks are recorded in faults.
        AddFault(c.Index, "machine_check");
        if (_linux && !_scenario.Kernel.IsEnabled("X86_MCE"))
        {
            // Without CONFIG_X86_MCE head_64.S keeps CR4.MCE clear, and "if the machine-check mechanism is not
            // enabled, a machine-check exception causes the processor to enter the shutdown state" (SDM Vol. 3A
            // §6.15, interrupt 18).
            ShutdownCpu(c);
            return false;
        }

        if (!_linux)
        {
            // "The occurrence of a second Machine-Check Event while MCIP is set will cause the processor to enter a
            // shutdown state" (SDM Vol. 3B §16.3.1.2); the bare handler clears MCIP by writing IA32_MCG_STATUS.
            // Linux clears it at the end of do_machine_check(), part of the handler's work done at entry here.
            if ((c.McgStatus & McgStatusMcip) != 0)
            {
                ShutdownCpu(c);
                return false;
            }

            c.McgStatus |= McgStatusMcip;
        }

        return true;
    }

    /// <summary>After delivery: enters the Linux or bare handler of the delivered event.</summary>
    private void Enter(CpuContext c, in CpuEvent delivered, bool savedIf)
    {
        PreemptTop(c);
        if (_linux)
        {
            EnterLinux(c, delivered, savedIf);
        }
        else
        {
            EnterBare(c, delivered, savedIf, _bareHandlers, null, -1);
        }
    }

    /// <summary>
    /// A CPU that triple-faults shuts down (SDM Vol. 3A §6.15, interrupt 8): it executes nothing until an NMI or an
    /// INIT, or for good when it shut down in an NMI handler (NMIs blocked).
    /// </summary>
    private void ShutdownCpu(CpuContext c)
    {
        c.Shutdown = true;
        c.ShutdownDepth = c.Depth;
        c.ShutdownInNmi = c.State.NmiBlocked;
        c.BusyUntilNs = 0;
        c.Generation++;
        AddFault(c.Index, "triple_fault");
    }

    /// <summary>
    /// An accepted INIT resets the processor (SDM Vol. 3A §9.1, Table 9-1, INIT column): RFLAGS = 2, so IF = 0; no
    /// event is in progress, so every handler frame is gone without a return and NMIs are unblocked; what was pending
    /// on the CPU (a latched NMI, an ExtINT waiting for INTA) is discarded and counted as dropped, as QEMU
    /// <c>do_cpu_init</c> and KVM <c>kvm_vcpu_reset</c> clear it. The local APIC has already reset itself. An AP then
    /// waits for a SIPI (SDM §8.4.1); the BSP starts at the reset vector, which in the model is an idle CPU with IF = 0.
    /// </summary>
    private void InitCpu(CpuContext c)
    {
        MaterializeResumeOf(c);

        if (_sinks.Length > 0)
        {
            TraceDroppedFrames(c);
        }

        c.DropFrames();
        c.HaltedDepth = 0;
        c.HaltSpins = false;
        c.BusyUntilNs = 0;
        c.Generation++;
        c.State.Reset();
        c.Shutdown = false;
        c.ShutdownDepth = 0;
        c.ShutdownInNmi = false;
        if (c.NmiPending)
        {
            c.NmiPending = false;
            _sourceDropped++;
        }

        if (c.ExtIntPending)
        {
            c.ExtIntPending = false;
            c.ExtIntLatched = false;
            _sourceDropped++;
        }

        c.PmcOverflow = false;
        if (c.Loaded is { InGuest: false } v)
        {
            // The host frames of KVM's run loop are gone, and a reset CPU runs no vCPU: it is not re-entered when a
            // later handler returns, only by the next enter step (an INIT in the guest is a VM exit instead).
            v.Running = false;
            v.Blocked = false;
        }

        c.WaitForSipi = c.Apic.WaitingForSipi;
        MarkDirty(c.Index);
    }

    /// <summary>
    /// A SIPI accepted in wait-for-SIPI (SDM Vol. 3A §8.4.1): the AP starts executing at vector &lt;&lt; 12 with the
    /// INIT state (IF = 0, no frames), an idle CPU in the model; an NMI held pending while it waited is taken now.
    /// </summary>
    private void StartCpu(CpuContext c)
    {
        MaterializeResumeOf(c);

        c.WaitForSipi = false;
        MarkDirty(c.Index);
    }

    /// <summary>If the top frame is spending time, keeps what is left so the frame resumes after the nested one returns.</summary>
    private void PreemptTop(CpuContext c)
    {
        if (c.Depth > 0 && c.BusyUntilNs > 0)
        {
            c.Top.RemainingNs += c.BusyUntilNs - _now;
            c.BusyUntilNs = 0;
            c.Generation++;
        }
    }

    private void EnterLinux(CpuContext c, in CpuEvent ev, bool savedIf)
    {
        if (ev.Type == EventType.ExternalInterrupt && _sinks.Length == 0)
        {
            EnterLinuxInterrupt(c, ev.Vector, savedIf);
        }
        else
        {
            EnterLinuxObserved(c, ev, savedIf);
        }
    }

    /// <summary>The common case of <see cref="EnterLinuxObserved"/>: an external interrupt with no trace sink.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterLinuxInterrupt(CpuContext c, byte vector, bool savedIf)
    {
        var nested = c.Depth > 0 && MarkEdgeFlowsInProgress(c);
        var r = _kernel!.ExternalInterrupt(c.Index, vector, _route);
        if (nested)
        {
            UnmarkEdgeFlowsInProgress(c);
        }

        var f = c.Push();
        f.Kind = FrameKind.Linux;
        f.Event = EventType.ExternalInterrupt;
        f.Vector = vector;
        f.SavedIf = savedIf;
        f.Fred = _fred;
        f.Handler = r.Handler;
        f.Irq = r.Irq;
        f.FlowEndAtReturn = r.FlowEndAtReturn;
        f.RemainingNs = r.CostNs;

        // The path's name is only needed when the entry is logged or traced (the log is capped): named out of line.
        if (DispatchObserved(c, out var logged))
        {
            ObserveDispatch(c, r.Trapped ? EventType.HardwareException : EventType.ExternalInterrupt, r.Trapped ? 6 : vector, r.Handler,
                ExternalPath(r, _route), r.Irq, null, -1, logged);
        }

        DispatchRecorded(r.Handler);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterLinuxObserved(CpuContext c, in CpuEvent ev, bool savedIf) => DispatchLinux(c, ev, savedIf, _route, _fred);

    /// <summary>
    /// The Linux handler of an event the CPU delivered (<see cref="EnterLinuxObserved"/>) or KVM handles after a VM exit
    /// (<see cref="HostHandle"/>): the kernel model's dispatch through <paramref name="route"/> (external interrupts),
    /// <c>exc_nmi</c>, or the exception's <c>exc_*</c> handler; then the handler's frame, returning through ERETS when
    /// <paramref name="fredFrame"/>, and its dispatch entry. What the kernel traces while it dispatches (its EOI, its log
    /// lines) is held until the entry has opened the handler's slice: it happens inside the handler.
    /// </summary>
    private void DispatchLinux(CpuContext c, in CpuEvent ev, bool savedIf, EntryRoute route, bool fredFrame)
    {
        DispatchResult r;
        string path;
        Kernel.Irq.IrqDesc? ran = null;
        _holdTrace = _sinks.Length > 0;
        switch (ev.Type)
        {
            case EventType.ExternalInterrupt:
                // A traced run also learns whether the flow ran the device's actions, to trace them in the handler's
                // slice (KVM's re-injected interrupt runs common_interrupt like a host one, linux-dispatch.md §6.2).
                var nested = c.Depth > 0 && MarkEdgeFlowsInProgress(c);
                r = _sinks.Length > 0
                    ? ExternalInterruptObserved(c, ev.Vector, route, out ran)
                    : _kernel!.ExternalInterrupt(c.Index, ev.Vector, route);
                if (nested)
                {
                    UnmarkEdgeFlowsInProgress(c);
                }

                path = ExternalPath(r, route);
                break;
            case EventType.Nmi:
                // exc_nmi() on the host path and for KVM's NMI exit (vmx_handle_nmi) alike: the NMI row, then
                // perf_event_nmi_handler() (the watchdog's overflow counts as PMI) or the unknown-NMI report.
                r = _kernel!.Nmi(c.Index);
                path = "nmi";
                DefaultDoNmi(c);
                break;
            default:
                r = _kernel!.Exception(c.Index, ev.Vector, ev.ErrorCode ?? 0);
                path = "exception";
                break;
        }

        _holdTrace = false;
        var f = PushFrame(c, FrameKind.Linux, ev, savedIf);
        f.Fred = fredFrame;
        f.Handler = r.Handler;
        f.Irq = r.Irq;
        f.FlowEndAtReturn = r.FlowEndAtReturn;
        f.RemainingNs = r.CostNs;
        RecordDispatch(c, r.Trapped ? EventType.HardwareException : ev.Type, r.Trapped ? 6 : ev.Vector, r.Handler, path, r.Irq, null, -1);
        if (_heldTrace.Count > 0)
        {
            ReleaseHeldTrace();
        }

        if (ran is not null)
        {
            TraceDeviceActions(c, f, ran);
        }
    }

    /// <summary>
    /// The kernel's dispatch of an external interrupt in a traced run; <paramref name="ran"/> is the descriptor whose
    /// flow handler ran its actions (its count on this CPU moved), so that they can be traced as
    /// <c>__handle_irq_event_percpu()</c> traces them, whatever path reached <c>common_interrupt</c>.
    /// </summary>
    private DispatchResult ExternalInterruptObserved(CpuContext c, byte vector, EntryRoute route, out Kernel.Irq.IrqDesc? ran)
    {
        var desc = _kernel!.VectorIrq(c.Index).DescOf(vector);
        var before = desc is null ? 0UL : IrqCount(c, desc.Irq);
        var r = _kernel.ExternalInterrupt(c.Index, vector, route);
        ran = desc is not null && r.Irq == desc.Irq && IrqCount(c, desc.Irq) != before ? desc : null;
        return r;
    }

    /// <summary>
    /// <c>dispatch[].path</c> of an external interrupt (SCENARIOS.md §10): reached through an IDT gate it is
    /// <c>idt_gate</c> whatever the gate's stub leads to; dispatched in software (FRED, KVM software re-injection) it is
    /// the kernel's own path, <c>sysvec_table</c> or <c>common_interrupt</c>; a kCFI trap is the #UD <c>exception</c>.
    /// </summary>
    private static string ExternalPath(in DispatchResult r, EntryRoute route) =>
        r.Path == DispatchPath.Exception ? "exception" : route == EntryRoute.Idt ? "idt_gate" : r.Path.ToJsonName();

    /// <summary>Enters a bare (or guest) handler: the listed handler's actions, or "unhandled" under FRED.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterBare(CpuContext c, in CpuEvent ev, bool savedIf, HandlerSpec?[] handlers, string? vm, int vcpu)
    {
        var handler = handlers[ev.Vector];
        var path = ev.Type switch
        {
            EventType.Nmi => "nmi",
            EventType.ExternalInterrupt => _fred ? "sysvec_table" : "idt_gate",
            _ => "exception",
        };
        var f = PushFrame(c, FrameKind.Actions, ev, savedIf);
        f.Vm = vm;
        f.Vcpu = vcpu;
        if (handler is null)
        {
            // SCENARIOS.md §6: under FRED there is no IDT; an unlisted vector is logged as "unhandled" and returns.
            f.Handler = "unhandled";
            RecordDispatch(c, ev.Type, ev.Vector, "unhandled", path, -1, vm, vcpu);
            return;
        }

        f.Handler = _bareNames[ev.Vector];
        f.Actions = handler.Do;
        RecordDispatch(c, ev.Type, ev.Vector, f.Handler, path, -1, vm, vcpu);
    }

    private Frame PushFrame(CpuContext c, FrameKind kind, in CpuEvent ev, bool savedIf)
    {
        var f = c.Push();
        f.Kind = kind;
        f.Event = ev.Type;
        f.Vector = ev.Vector;
        f.SavedIf = savedIf;
        f.IsNmi = ev.Type == EventType.Nmi;
        f.Fred = _fred;
        return f;
    }

    /// <summary>
    /// Runs the top frame one step: resume spent time, one action, or the return. True when the pump should look at
    /// this boundary again (an action ran, even one that started spending time); false when the CPU now waits.
    /// </summary>
    private bool StepFrame(CpuContext c)
    {
        var f = c.Top;
        if (!FrameCanRun(c, f) || c.Depth == c.HaltedDepth)
        {
            return false;
        }

        if (f.RemainingNs > 0)
        {
            if (_deferResumes && CanDeferResume(c, f))
            {
                DeferResume(c, f.RemainingNs);
            }
            else
            {
                SpendTime(c, f.RemainingNs);
            }

            f.RemainingNs = 0;
            if (f.TraceActions is not null)
            {
                // Traced runs only (null otherwise): the running action returns before the frame's time is spent.
                ScheduleActionBoundary(c, f);
            }

            return false;
        }

        if (f.Pc < f.ActionCount)
        {
            var action = f.Actions[f.Pc++];

            // STI and CLI are instructions of their own (CpuInterruptState.Sti/Cli end the previous shadow and STI
            // may open one); any other action retires one instruction, which ends a shadow. Retiring after STI too
            // would close its shadow before the next instruction ran (SDM Vol. 2B, STI: STI; CLI takes nothing).
            var retires = action is not InterruptFlagStep;
            long spent;
            if (f.Vm is null)
            {
                spent = ExecuteAction(c, f, action);
                if (retires)
                {
                    c.State.InstructionRetired();
                }
            }
            else
            {
                spent = GuestAction(c, f, action);
                if (retires)
                {
                    c.Loaded!.Guest.InstructionRetired();
                }
            }

            if (spent > 0)
            {
                // The advance's first instruction has retired (ending any STI/MOV SS shadow it ran in): an interrupt
                // already pending is taken at this boundary, preempting the time just started, not at its end.
                SpendTime(c, spent);
                return true;
            }

            return true;
        }

        Return(c);
        return true;
    }

    /// <summary>
    /// Before an external interrupt taken inside handlers (IF set by a step): the edge irqs whose actions those handlers
    /// are running are in progress, as <c>handle_edge_irq()</c> keeps IRQD_IRQ_INPROGRESS around
    /// <c>handle_irq_event()</c> (kernel/irq/chip.c), so an edge of one of them finds <c>irq_may_run()</c> false.
    /// Marked only around such a dispatch: the common case, a CPU with no handler running, pays one test. Returns
    /// whether any was marked.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool MarkEdgeFlowsInProgress(CpuContext c)
    {
        var any = false;
        for (var i = 0; i < c.Depth; i++)
        {
            var f = c.FrameAt(i);
            if (IsDeviceActionFrame(f) && _kernel!.EnterEdgeFlowInProgress(f.Irq))
            {
                any = true;
            }
        }

        return any;
    }

    /// <summary>
    /// After that dispatch: ends the marks; a handler whose irq was left pending by it replays its actions before it
    /// returns (<see cref="Frame.ReplayAtReturn"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void UnmarkEdgeFlowsInProgress(CpuContext c)
    {
        // The frames below the one the dispatch pushes (not pushed yet): the handlers that were running.
        for (var i = 0; i < c.Depth; i++)
        {
            var f = c.FrameAt(i);
            if (IsDeviceActionFrame(f) && _kernel!.LeaveEdgeFlowInProgress(f.Irq))
            {
                f.ReplayAtReturn = true;
            }
        }
    }

    /// <summary>A host Linux frame of a device irq whose actions ran in it (their time spent in the frame).</summary>
    private static bool IsDeviceActionFrame(Frame f) =>
        f.Kind == FrameKind.Linux && f.Vm is null && f.Event == EventType.ExternalInterrupt && f.Irq >= 0 && !f.FlowEndAtReturn;

    /// <summary>
    /// The end of <c>handle_edge_irq()</c> for the top frame <paramref name="f"/>, an edge of whose irq was left pending
    /// while its actions ran: the loop replays them and the frame, not yet returning, spends their time; returns whether
    /// it did.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool EdgeFlowReplayed(CpuContext c, Frame f)
    {
        f.ReplayAtReturn = false;
        var more = _kernel!.EndEdgeFlow(c.Index, f.Irq);
        if (more <= 0)
        {
            return false;
        }

        // Not returning after all: the frame just popped is the top again, its actions running once more.
        c.Unpop();
        f.RemainingNs = more;
        MarkDirty(c.Index);
        return true;
    }

    private void SpendTime(CpuContext c, long ns)
    {
        c.BusyUntilNs = TimeAfter(_now, ns);
        c.Generation++;
        _queue.Push(c.BusyUntilNs, SimEventKind.CpuResume, c.Index, c.Generation);
    }

    /// <summary>IRET (IDT) or ERETS (FRED): pops the frame, restores IF, unblocks NMIs as the return instruction does.</summary>
    private void Return(CpuContext c)
    {
        var f = c.Pop();
        if (f.IrqsEnabledAction >= 0 && c.State.If)
        {
            // __handle_irq_event_percpu(): WARN_ONCE(!irqs_disabled(), ...) then local_irq_disable(), before the flow end.
            _kernel!.HandlerEnabledInterrupts(c.Index, f.Irq, f.IrqsEnabledAction);
            c.State.Cli();
        }

        if (f.ReplayAtReturn && EdgeFlowReplayed(c, f))
        {
            return;
        }

        if (f.FlowEndAtReturn)
        {
            // handle_fasteoi_irq()'s EOI or handle_level_irq()'s unmask: after the handlers, before the return (kernel/irq/chip.c).
            _kernel!.CompleteFlowEnd(c.Index, f.Irq);
        }

        if (f.Vm is null)
        {
            if (f.Fred)
            {
                _fredDelivery.Erets(c.State, frameNmiBit: f.IsNmi);
            }
            else
            {
                _idtDelivery.Iret(c.State, wasNmi: f.IsNmi);
            }
        }

        if (_sinks.Length > 0)
        {
            TraceHandlerExit(c, f);
        }

        GuestReturned(c, f);
    }
}
