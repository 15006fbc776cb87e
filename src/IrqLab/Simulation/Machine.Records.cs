using System.Runtime.CompilerServices;
using IrqLab.Delivery;
using IrqLab.Simulation.Output;
using IrqLab.Tracing;

namespace IrqLab.Simulation;

/// <summary>What the run records: the dispatch log and trace events, kernel messages, faults, accounting, the result.</summary>
internal sealed partial class Machine
{
    private void Trace(in TraceEvent e)
    {
        if (_holdTrace)
        {
            _heldTrace.Add(e);
            return;
        }

        foreach (var s in _sinks)
        {
            s.Write(e);
        }
    }

    /// <summary>Writes the trace events held while the kernel dispatched an entry (<see cref="DispatchLinux"/>), in order.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReleaseHeldTrace()
    {
        foreach (var e in _heldTrace)
        {
            Trace(e);
        }

        _heldTrace.Clear();
    }

    // The trace records of the hot paths, built out of line: a TraceEvent temporary in a caller's frame (it holds
    // references) is zeroed on every call of that caller, traced or not.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceRaise(SimDevice d) => Trace(new TraceEvent(_now, -1, TraceEventKind.Raise, Name: d.Name));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TracePending(CpuContext c) => Trace(new TraceEvent(_now, c.Index, TraceEventKind.Pending, Value: c.Apic.Irr.Count));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceEoi(int cpu, int vector) => Trace(new TraceEvent(_now, cpu, TraceEventKind.Eoi, vector));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceHandlerExit(CpuContext c, Frame f)
    {
        if (f.TraceActions is not null)
        {
            // The frame's time is spent: the actions still running return now, inside the frame's slice.
            TraceActionBoundaries(c, f, 0, c.Depth + 1);
        }

        Trace(new TraceEvent(_now, c.Index, TraceEventKind.HandlerExit, f.Vector, f.Handler, -1, c.Depth, f.Vm, f.Vcpu, -1));
    }

    /// <summary>
    /// The frames an INIT drops, innermost first (a Linux device frame's running action before its frame): their
    /// slices end now, without a return.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceDroppedFrames(CpuContext c)
    {
        for (var depth = c.Depth - 1; depth >= 0; depth--)
        {
            var f = c.FrameAt(depth);
            if (f.TraceActions is { } actions)
            {
                Trace(new TraceEvent(_now, c.Index, TraceEventKind.HandlerDropped, f.Vector, actions[f.TraceAction].Name, f.Irq, depth + 1));
            }

            Trace(new TraceEvent(_now, c.Index, TraceEventKind.HandlerDropped, f.Vector, f.Handler, -1, depth, f.Vm, f.Vcpu, -1));
        }
    }

    private void RecordDispatch(CpuContext c, EventType type, int vector, string handler, string path, int irq, string? vm, int vcpu)
    {
        if (DispatchObserved(c, out var logged))
        {
            ObserveDispatch(c, type, vector, handler, path, irq, vm, vcpu, logged);
        }

        DispatchRecorded(handler);
    }

    /// <summary>
    /// The first half of <see cref="RecordDispatch"/>: counts the entry for the livelock guard; true when it is to be
    /// observed (<paramref name="logged"/>: the log has room; or a trace sink is listening), else marks the log truncated.
    /// </summary>
    private bool DispatchObserved(CpuContext c, out bool logged)
    {
        if (c.InstantNs != _now)
        {
            c.InstantNs = _now;
            c.EntriesThisInstant = 0;
        }

        if (++c.EntriesThisInstant > _maxEntriesPerInstant)
        {
            StopLivelock(c);
        }

        if (_workInstantNs != _now)
        {
            _workInstantNs = _now;
            _entriesThisInstant = 0;
            _acceptedBeforeInstant = _bus.AcceptedCount;
        }

        if (++_entriesThisInstant + (_bus.AcceptedCount - _acceptedBeforeInstant) > _maxMachineWorkPerInstant && !_stopped)
        {
            StopMachineLivelock();
        }

        logged = _dispatch.Count < _logLimit;
        if (logged || _sinks.Length > 0)
        {
            return true;
        }

        _dispatchTruncated = true;
        return false;
    }

    /// <summary>The second half of <see cref="RecordDispatch"/>: the entry's sequence number is taken; expect steps see the handler.</summary>
    private void DispatchRecorded(string handler)
    {
        _dispatchSeq++;
        if (_tracksHandlers && _handlersSinceExpect.Count < 100_000)
        {
            _handlersSinceExpect.Add(handler);
        }
    }

    /// <summary>
    /// The safety bound on handler entries in one instant: the run stops with IrqLab's own message. Not a fault: the
    /// CPU did not fail (SCENARIOS.md §10 lists shutdowns, machine checks, CFI traps and VM-entry failures).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StopLivelock(CpuContext c)
    {
        AddMessage(c.Index, "emerg", $"irqlab: CPU{c.Index} entered {_options.MaxEntriesPerInstant} handlers without simulated time moving; run stopped");
        _stopped = true;
    }

    /// <summary>
    /// The machine-wide safety bound on one instant's work (<see cref="SimulationOptions.MaxMachineWorkPerInstant"/>):
    /// the run stops with IrqLab's own message, printed by no CPU.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StopMachineLivelock()
    {
        var accepted = _bus.AcceptedCount - _acceptedBeforeInstant;
        AddMessage(-1, "emerg", $"irqlab: the machine made {_entriesThisInstant} handler entries and {accepted} interrupt acceptances without simulated time moving; run stopped");
        _stopped = true;
    }

    /// <summary>
    /// The dispatch entry for the log and the trace sinks. Kept out of line: its records are large values the hot
    /// path without observers should not carry.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ObserveDispatch(CpuContext c, EventType type, int vector, string handler, string path, int irq, string? vm, int vcpu, bool logged)
    {
        var ev = EventTypeNames.ToJsonName(type);
        var depth = DepthOf(c, vm, vcpu);
        if (logged)
        {
            _dispatch.Add(new DispatchEntry(_dispatchSeq, _now, c.Index, ev, vector, handler, path, depth,
                irq >= 0 ? irq : null, vm, vm is null ? null : vcpu));
        }
        else
        {
            _dispatchTruncated = true;
        }

        if (_sinks.Length > 0)
        {
            if (c.Depth > 1 && c.FrameAt(c.Depth - 2) is { TraceActions: not null } below)
            {
                // The frame this one preempts: its actions that returned by now do so before the nested slice begins.
                // Its own time left is what PreemptTop kept, plus the busy time still running if it was not preempted.
                TraceActionBoundaries(c, below, below.RemainingNs + Math.Max(0, c.BusyUntilNs - _now), c.Depth - 1);
            }

            // The frame's slice; a device irq's actions are traced inside it (TraceDeviceActions).
            Trace(new TraceEvent(_now, c.Index, TraceEventKind.HandlerEntry, vector, handler, -1, depth, vm, vcpu, 0, ev));
        }
    }

    /// <summary>
    /// Frames below the top one that belong to the same context (host, or the same vCPU of the same VM), kept in the top frame. The walk
    /// down stops at the nearest frame of the context whose count is known, so a nesting storm costs O(1) per entry
    /// rather than O(depth).
    /// </summary>
    private static int DepthOf(CpuContext c, string? vm, int vcpu)
    {
        var depth = 0;
        for (var i = c.Depth - 2; i >= 0; i--)
        {
            var f = c.FrameAt(i);
            if (f.Vm != vm || (vm is not null && f.Vcpu != vcpu))
            {
                // Another context: the host, another VM, or another vCPU of this VM that ran on this CPU before.
                continue;
            }

            if (f.ContextDepth >= 0)
            {
                depth += f.ContextDepth + 1;
                break;
            }

            depth++;
        }

        c.Top.ContextDepth = depth;
        return depth;
    }

    /// <summary>This CPU's count of <paramref name="irq"/> in /proc/interrupts (only used while tracing).</summary>
    private ulong IrqCount(CpuContext c, int irq) =>
        _kernel!.ProcInterrupts.Count(irq.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Index);

    /// <summary>
    /// For trace observers: one entry/exit pair per action of a device irq whose flow ran its actions, as
    /// <c>__handle_irq_event_percpu()</c> emits <c>irq_handler_entry</c>/<c>irq_handler_exit</c> around each action.
    /// The actions run back to back at the start of frame <paramref name="f"/>, each for its own cost: the first one's
    /// entry is traced now, each exit (and the next entry) when the frame has spent that much of its time
    /// (<see cref="TraceActionBoundaries"/>), so time spent in a nested handler moves them later.
    /// </summary>
    private void TraceDeviceActions(CpuContext c, Frame f, Kernel.Irq.IrqDesc desc)
    {
        var actions = desc.ActionArray;
        if (actions.Length == 0)
        {
            return;
        }

        f.TraceActions = actions;
        f.TraceAction = 0;
        f.TraceExitLeftNs = Math.Max(0, f.RemainingNs - actions[0].CostNs);
        TraceActionEntry(c, f, c.Depth);
        TraceActionBoundaries(c, f, f.RemainingNs, c.Depth);
    }

    /// <summary>
    /// Traces the action returns of <paramref name="f"/> that are due now that the frame has <paramref name="leftNs"/> of
    /// its own time still to spend: each exit, then the next action's entry, at <see cref="_now"/>.
    /// </summary>
    private void TraceActionBoundaries(CpuContext c, Frame f, long leftNs, int depth)
    {
        while (f.TraceActions is { } actions && leftNs <= f.TraceExitLeftNs)
        {
            var a = actions[f.TraceAction];
            Trace(new TraceEvent(_now, c.Index, TraceEventKind.HandlerExit, f.Vector, a.Name, f.Irq, depth,
                Value: a.Returns == Scenarios.Model.HandlerReturn.None ? 0 : 1));
            if (++f.TraceAction == actions.Length)
            {
                f.TraceActions = null;
                return;
            }

            f.TraceExitLeftNs = Math.Max(0, f.TraceExitLeftNs - actions[f.TraceAction].CostNs);
            TraceActionEntry(c, f, depth);
        }
    }

    private void TraceActionEntry(CpuContext c, Frame f, int depth) =>
        Trace(new TraceEvent(_now, c.Index, TraceEventKind.HandlerEntry, f.Vector, f.TraceActions![f.TraceAction].Name, f.Irq, depth, Event: "ext_int"));

    /// <summary>
    /// Frame <paramref name="f"/> (the top one) spends its time until <see cref="CpuContext.BusyUntilNs"/>: traces the
    /// action returns already due, and queues the next one that falls before the frame's end (the last action returns
    /// with the frame, in <see cref="TraceHandlerExit"/>). A preemption changes the CPU's generation, which drops the
    /// queued boundary; the frame queues it again when it resumes.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ScheduleActionBoundary(CpuContext c, Frame f)
    {
        var left = c.BusyUntilNs - _now;
        TraceActionBoundaries(c, f, left, c.Depth);
        if (f.TraceActions is not null && f.TraceExitLeftNs > 0)
        {
            _queue.Push(_now + left - f.TraceExitLeftNs, SimEventKind.TraceActionBoundary, c.Index, c.Generation);
        }
    }

    private void OnTraceActionBoundary(in SimEvent ev)
    {
        var c = _cpus[ev.Target];
        if (ev.Generation != c.Generation || c.BusyUntilNs == 0 || c.Depth == 0 || c.Top.TraceActions is null)
        {
            // The frame was preempted (it queues the boundary again when it resumes) or is gone.
            return;
        }

        ScheduleActionBoundary(c, c.Top);
    }

    /// <summary>
    /// Kernel messages a run keeps for its output (docs/simulation.md, "Safety bounds"): a storm that prints on every
    /// interrupt (the kernel's "Spurious interrupt ... Acked" is not rate-limited) would otherwise hold memory without
    /// bound. IrqLab's own warnings (text starting "irqlab: ") are always kept.
    /// </summary>
    internal const int MaxMessages = 100_000;

    /// <summary>
    /// VM exits a run keeps for its output (docs/simulation.md, "Safety bounds"): a zero-time storm of guest IPIs exits
    /// on every one of them, up to the 2,000,000-handler bound on each CPU that runs a vCPU, and would otherwise hold
    /// memory without bound (a 4-vCPU ring held 12 million exits in 2.9 GB).
    /// </summary>
    internal const int MaxVmExits = 100_000;

    private void AddMessage(int cpu, string level, string text)
    {
        if (_messages.Count < MaxMessages || text.StartsWith("irqlab: ", StringComparison.Ordinal))
        {
            _messages.Add(new MessageEntry(_now, cpu, level, text));
        }
        else
        {
            _messagesNotKept++;
            if (_unkeptMessageTexts.Count < MaxMessages)
            {
                _unkeptMessageTexts.Add(text);
            }
        }

        if (_sinks.Length > 0)
        {
            Trace(new TraceEvent(_now, cpu, TraceEventKind.Message, Name: text));
        }
    }

    private void AddFault(int cpu, string kind)
    {
        _faults.Add(new FaultEntry(_now, cpu, kind));
        if (_sinks.Length > 0)
        {
            TraceFault(cpu, kind);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceFault(int cpu, string kind) => Trace(new TraceEvent(_now, cpu, TraceEventKind.Fault, Name: kind));

    /// <summary>
    /// Where every interrupt ended (docs/simulation.md, "Accounting"): raised = delivered + coalesced + pending +
    /// masked + dropped holds by construction of the counters and is checked by tests.
    /// </summary>
    private RunStats Accounting(long events, double wallMs)
    {
        long raised = _sourceRaised, coalesced = _sourceCoalesced, dropped = _sourceDropped, pending = 0, masked = 0;
        foreach (var c in _cpus)
        {
            var a = c.Apic;
            raised += a.AcceptedCount + a.CoalescedCount + a.IllegalVectorCount + a.DiscardedCount;
            coalesced += a.CoalescedCount;
            dropped += a.IllegalVectorCount + a.DiscardedCount + a.DroppedByResetCount;
            pending += a.Irr.Count + (c.NmiPending ? 1 : 0) + (c.ExtIntPending ? 1 : 0);
        }

        raised += _bus.UndeliveredCount;
        dropped += _bus.UndeliveredCount;
        foreach (var io in _ioApics)
        {
            // Assertions the IOAPIC merged, lost on a masked edge pin, refused, saw withdrawn, or still holds masked.
            raised += io.CoalescedCount + io.MaskedCount + io.RejectedCount + io.WithdrawnCount + io.PendingCount;
            coalesced += io.CoalescedCount;
            dropped += io.MaskedCount + io.RejectedCount + io.WithdrawnCount;
            masked += io.PendingCount;
        }

        foreach (var d in _devices)
        {
            if (d.Msi is { } t)
            {
                // Raises of a masked entry whose pending bit was already set: merged into the one pending bit.
                raised += t.CoalescedCount;
                coalesced += t.CoalescedCount;
                for (var i = 0; i < t.Count; i++)
                {
                    if (t.IsPending(i))
                    {
                        raised++;
                        masked++;
                    }
                }
            }
        }

        foreach (var vcpus in _vms.Values)
        {
            foreach (var v in vcpus)
            {
                coalesced += v.Vapic.CoalescedCount;
                pending += v.Pid.PendingCount + v.Vapic.VirrCount;

                // A virtual NMI still waiting: for its entry, the guest's IRET, or an NMI or interrupt window.
                pending += v.NmiAtEntry || v.GuestNmiPending || v.NmiWindow || v.NmiAtInterruptWindow ? 1 : 0;
                pending += v.NmiQueuedBehind ? 1 : 0;
            }
        }

        return new RunStats
        {
            Events = events,
            Handlers = _dispatchSeq,
            WallMs = wallMs,
            Raised = raised,
            Delivered = _delivered,
            Coalesced = coalesced,
            Pending = pending,
            Masked = masked,
            Dropped = dropped,
        };
    }

    private RunResult BuildResult(double wallMs)
    {
        var k = _scenario.Kernel;
        IReadOnlyList<InterruptRow> rows = [];
        Action<TextWriter>? text = null;
        if (_kernel is not null)
        {
            rows = _kernel.ProcInterrupts.Rows().Select(r => new InterruptRow(r.Row, r.Counts, r.Chip, r.Hwirq, r.Actions, r.Desc)).ToList();

            // Rendered when asked for (the human output), from the final state: the run is over.
            text = _kernel.ProcInterrupts.Render;
        }

        return new RunResult
        {
            Scenario = _scenario.Name,
            Seed = _options.Seed ?? _scenario.Seed,
            Kernel = KernelInfo.Of(k.Mode, k.Version, k.Variant, k.Delivery, _layout),
            TimeNs = _now,
            Dispatch = _dispatch,
            DispatchTruncated = _dispatchTruncated,
            Reads = _reads,
            Expects = _expects,
            Cpus = _cpus.Length,
            InterruptRows = rows,
            WriteProcInterrupts = text,
            VmExits = _vmExits,
            VmExitsNotKept = _unkeptVmExits,
            Messages = _messages,
            MessagesNotKept = _messagesNotKept,
            Faults = _faults,
            Stats = Accounting(_events, wallMs),
        };
    }
}
