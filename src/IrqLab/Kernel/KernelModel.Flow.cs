using System.Globalization;
using System.Runtime.CompilerServices;
using IrqLab.Kernel.Irq;
using IrqLab.Kernel.Proc;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;

namespace IrqLab.Kernel;

/// <content>Flow handlers (<c>kernel/irq/chip.c</c>), event handling (<c>kernel/irq/handle.c</c>) and <c>note_interrupt</c> (<c>kernel/irq/spurious.c</c>).</content>
public sealed partial class KernelModel
{
    private const int IrqNone = 0;
    private const int IrqHandled = 1;
    private const int IrqWakeThread = 2;
    private const uint SpuriousDeferred = 0x80000000;
    private const int SpuriousWindow = 100000;
    private const int SpuriousTrip = 99900;
    /// <summary>The model's CONFIG_HZ.</summary>
    internal const long Hz = 1000;

    /// <summary>Nanoseconds per jiffy (<c>jiffies = NowNs / NsPerJiffy</c>).</summary>
    internal const long NsPerJiffy = 1_000_000_000 / Hz;
    private const long PollSpuriousIrqInterval = Hz / 10;

    /// <summary><c>generic_handle_irq_desc()</c>: runs the descriptor's flow handler; returns the actions' total cost.</summary>
    private long HandleIrq(IrqDesc desc, int cpu) => desc.Flow switch
    {
        IrqFlow.Edge => HandleEdgeIrq(desc, cpu),
        IrqFlow.Level => HandleLevelIrq(desc, cpu),
        IrqFlow.FastEoi => HandleFastEoiIrq(desc, cpu),
        _ => HandlePercpuIrq(desc, cpu),
    };

    /// <summary>
    /// <c>handle_edge_irq()</c>: ack (local APIC EOI) before the handler; PENDING + mask_ack when it cannot run; replay loop.
    /// The common case (one action, nothing pending) runs <c>handle_irq_event()</c> once in line; anything else (more
    /// actions, PENDING set before or during the handler, actions changed under it) continues in the full loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long HandleEdgeIrq(IrqDesc desc, int cpu)
    {
        var state = desc.State & ~(IrqStateFlags.Replay | IrqStateFlags.Waiting);
        desc.State = state;
        var actions = desc.ActionArray;
        if (desc.InProgress || (state & IrqStateFlags.PollInProgress) != 0 || actions.Length == 0 || desc.Disabled)
        {
            EdgeIrqCannotRun(desc, cpu);
            return 0;
        }

        desc.IncrementKstat(cpu, true);
        ChipAck(desc, cpu);
        actions = desc.ActionArray;
        if (actions.Length != 1 || (desc.State & IrqStateFlags.Pending) != 0)
        {
            return HandleEdgeIrqLoop(desc, cpu);
        }

        // One pass of the loop below: the action list is not empty and PENDING is clear (no unmask, nothing to clear).
        desc.InProgress = true;
        var a = actions[0];
        var retval = DriverReturn(a);

        if (retval == IrqWakeThread)
        {
            WakeThread(desc);
        }

        var cost = a.CostNs;

        if (desc.ActionArray.Length > 1)
        {
            var (more, moreRetval) = RunActions(desc, cpu, 1);
            cost += more;
            retval |= moreRetval;
        }

        if (retval != IrqHandled || desc.IrqsUnhandled != 0 || (desc.State & IrqStateFlags.PollInProgress) != 0)
        {
            NoteInterrupt(desc, cpu, retval);
        }

        desc.InProgress = false;
        if ((desc.State & IrqStateFlags.Pending) != 0 && !desc.Disabled)
        {
            cost += HandleEdgeIrqLoop(desc, cpu);
        }

        return cost;
    }

    /// <summary>
    /// <c>handle_edge_irq()</c> when <c>irq_may_run()</c> / <c>irq_can_handle()</c> refuses (in progress, disabled, no
    /// action): IRQS_PENDING, <c>mask_ack_irq()</c>, return. Newest only (<c>latest</c>; "genirq: Prevent migration live
    /// lock in handle_edge_irq()", 8d39d6ec4db5, merged for v6.17-rc1): <c>irq_can_handle_pm()</c> first busy-waits in
    /// <c>irq_wait_on_inprogress()</c> for an in-progress single-target edge irq whose effective affinity's first CPU is
    /// this one, and an x86 vector irq's only target is the CPU that runs its handler: a nested edge there (the handler
    /// set IF) waits for good with IF clear, before any mask or ack (<see cref="IKernelPlatform.SpinForever"/>). That wait
    /// is behind <c>IS_ENABLED(CONFIG_GENERIC_IRQ_EFFECTIVE_AFF_MASK)</c>, which x86 selects only with SMP
    /// (arch/x86/Kconfig <c>select GENERIC_IRQ_EFFECTIVE_AFF_MASK if SMP</c>): without SMP the edge is left pending as
    /// on 6.16. Out of line: the edge flow's hot caller keeps its small body.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EdgeIrqCannotRun(IrqDesc desc, int cpu)
    {
        if (desc.InProgress && cpu == desc.Cpu && Options.Version == KernelVersion.Latest && Options.IsEnabled("SMP"))
        {
            _platform.SpinForever(cpu);
            return;
        }

        desc.State |= IrqStateFlags.Pending;
        MaskAckIrq(desc, cpu);
    }

    /// <summary>
    /// For a caller that spends the actions' time after the dispatch (a simulator frame) and dispatches another interrupt
    /// while that time runs: <c>handle_edge_irq()</c> keeps IRQD_IRQ_INPROGRESS set around <c>handle_irq_event()</c>, so
    /// marks <paramref name="irq"/> in progress for that dispatch if its flow is the edge flow (then an edge of it finds
    /// <c>irq_may_run()</c> false: IRQS_PENDING, mask and ack, uncounted). Returns whether it did; the caller then calls
    /// <see cref="LeaveEdgeFlowInProgress"/> after that dispatch.
    /// </summary>
    /// <param name="irq">The irq whose actions are still running.</param>
    /// <returns>Whether the irq is marked in progress.</returns>
    public bool EnterEdgeFlowInProgress(int irq)
    {
        var desc = DescAt(irq);
        if (desc is null || desc.Flow != IrqFlow.Edge)
        {
            return false;
        }

        desc.InProgress = true;
        return true;
    }

    /// <summary>
    /// Ends the mark of <see cref="EnterEdgeFlowInProgress"/> after the dispatch it was made for. Returns whether an edge
    /// of <paramref name="irq"/> was left pending meanwhile: the loop of the <c>handle_edge_irq()</c> whose actions are
    /// running then replays them at their end (<see cref="EndEdgeFlow"/>).
    /// </summary>
    /// <param name="irq">The irq <see cref="EnterEdgeFlowInProgress"/> marked.</param>
    /// <returns>Whether the irq is pending and not disabled (false for an irq <see cref="EnterEdgeFlowInProgress"/> did not mark).</returns>
    public bool LeaveEdgeFlowInProgress(int irq)
    {
        var desc = DescAt(irq);
        if (desc is null || desc.Flow != IrqFlow.Edge)
        {
            return false;
        }

        desc.InProgress = false;
        return (desc.State & IrqStateFlags.Pending) != 0 && !desc.Disabled;
    }

    /// <summary>
    /// The end of the <c>handle_edge_irq()</c> whose actions' time a caller spent, when an edge of the irq was left
    /// pending meanwhile (<see cref="LeaveEdgeFlowInProgress"/> returned true): the loop's test
    /// <c>while ((desc->istate &amp; IRQS_PENDING) &amp;&amp; !irqd_irq_disabled(...))</c> holds, so it unmasks the line and
    /// runs the actions again (<c>handle_irq_event()</c>, not counted in kstat). Returns their time, for the caller to
    /// spend before the handler returns; 0 when there is nothing to replay.
    /// </summary>
    /// <param name="cpu">The CPU that runs the actions.</param>
    /// <param name="irq">The irq.</param>
    /// <returns>The time the replayed actions take, or 0.</returns>
    public long EndEdgeFlow(int cpu, int irq)
    {
        var desc = DescAt(irq);
        return desc is null || (desc.State & IrqStateFlags.Pending) == 0 || desc.Disabled ? 0 : HandleEdgeIrqLoop(desc, cpu);
    }

    /// <summary>The replay loop of <c>handle_edge_irq()</c>, after the count and the ack.</summary>
    private long HandleEdgeIrqLoop(IrqDesc desc, int cpu)
    {
        long cost = 0;
        do
        {
            if (desc.ActionArray.Length == 0)
            {
                MaskIrq(desc);
                return cost;
            }

            if ((desc.State & IrqStateFlags.Pending) != 0 && !desc.Disabled && desc.Masked)
            {
                UnmaskIrq(desc);
            }

            cost += HandleIrqEvent(desc, cpu);
        }
        while ((desc.State & IrqStateFlags.Pending) != 0 && !desc.Disabled);

        return cost;
    }

    /// <summary>
    /// <c>handle_level_irq()</c> (8259 XT-PIC): mask + ack first, handler, then <c>cond_unmask_irq()</c>. With
    /// <see cref="DeferFlowEnd"/> and actions that spend time, the unmask is left to <see cref="CompleteFlowEnd"/>.
    /// </summary>
    private long HandleLevelIrq(IrqDesc desc, int cpu)
    {
        MaskAckIrq(desc, cpu);
        desc.State &= ~(IrqStateFlags.Replay | IrqStateFlags.Waiting);
        if (!IrqMayRun(desc))
        {
            return 0;
        }

        if (desc.ActionArray.Length == 0 || desc.Disabled)
        {
            desc.State |= IrqStateFlags.Pending;
            return 0;
        }

        desc.IncrementKstat(cpu, true);
        var cost = HandleIrqEvent(desc, cpu);
        if (LeavesFlowEnd(cost))
        {
            // The actions run until CompleteFlowEnd: IRQD_IRQ_INPROGRESS stays set until then.
            desc.InProgress = true;
            return cost;
        }

        CondUnmaskIrq(desc);
        return cost;
    }

    /// <summary><c>cond_unmask_irq()</c>: unmask unless the irq was disabled meanwhile (no oneshot threads in the model).</summary>
    private void CondUnmaskIrq(IrqDesc desc)
    {
        if (!desc.Disabled && desc.Masked)
        {
            UnmaskIrq(desc);
        }
    }

    /// <summary>
    /// <c>handle_fasteoi_irq()</c> (IO-APIC level): handler, then the chip EOI (<c>cond_unmask_eoi_irq()</c> →
    /// <c>ioapic_ack_level</c>); no ack, no mask. With <see cref="DeferFlowEnd"/> and actions that spend time, the EOI
    /// is left to <see cref="CompleteFlowEnd"/> at the end of that time, where the kernel does it.
    /// </summary>
    private long HandleFastEoiIrq(IrqDesc desc, int cpu)
    {
        if (!IrqMayRun(desc))
        {
            ChipEoi(desc, cpu);
            return 0;
        }

        desc.State &= ~(IrqStateFlags.Replay | IrqStateFlags.Waiting);
        if (desc.ActionArray.Length == 0 || desc.Disabled)
        {
            desc.State |= IrqStateFlags.Pending;
            MaskIrq(desc);
            ChipEoi(desc, cpu);
            return 0;
        }

        desc.IncrementKstat(cpu, true);
        var cost = HandleIrqEvent(desc, cpu);
        if (LeavesFlowEnd(cost))
        {
            // The actions run until CompleteFlowEnd: IRQD_IRQ_INPROGRESS stays set until then.
            desc.InProgress = true;
            return cost;
        }

        ChipEoi(desc, cpu);
        return cost;
    }

    /// <summary>
    /// Whether the flows that finish with chip work after the handlers leave it to <see cref="CompleteFlowEnd"/> when
    /// the actions spend time (<see cref="DispatchResult.FlowEndAtReturn"/>): <c>handle_fasteoi_irq()</c>'s EOI
    /// (<c>cond_unmask_eoi_irq()</c>) and <c>handle_level_irq()</c>'s unmask (<c>cond_unmask_irq()</c>) come after the
    /// handlers in the kernel, so a level line the device deasserts while they run is not delivered again (the IO-APIC's
    /// remote IRR, or the 8259 mask, holds it until then). The irq then stays in progress (IRQD_IRQ_INPROGRESS) until
    /// <see cref="CompleteFlowEnd"/>, as <c>handle_irq_event()</c> keeps it around the actions: an interrupt of it that
    /// reaches the flow meanwhile, on another CPU or nested on this one (an IPI carrying its vector), finds
    /// <c>irq_may_run()</c> false and is not counted or run (<c>handle_level_irq()</c>: masked and acked only;
    /// <c>handle_fasteoi_irq()</c>: the chip EOI only). Off by default: that work is then done at once, for callers
    /// that spend no time.
    /// </summary>
    public bool DeferFlowEnd { get; set; }

    /// <summary>
    /// The end of a flow whose dispatch returned <see cref="DispatchResult.FlowEndAtReturn"/>, on the CPU that ran its
    /// handlers: <c>handle_fasteoi_irq()</c>'s chip EOI (local APIC EOI; for an IO-APIC line <c>ioapic_ack_level()</c>,
    /// after which a line still asserted is sent again) or <c>handle_level_irq()</c>'s <c>cond_unmask_irq()</c>, after
    /// it clears the irq's in-progress state (<c>handle_irq_event()</c>, under the same <c>desc-&gt;lock</c>).
    /// </summary>
    /// <param name="cpu">The CPU that ran the handlers.</param>
    /// <param name="irq">The dispatch's <see cref="DispatchResult.Irq"/>.</param>
    public void CompleteFlowEnd(int cpu, int irq)
    {
        var desc = DescAt(irq);
        if (desc is null)
        {
            _platform.ApicEoi(cpu);
            return;
        }

        // handle_irq_event() clears IRQD_IRQ_INPROGRESS and the flow does its end under the same desc->lock.
        desc.InProgress = false;
        if (desc.Flow == IrqFlow.Level)
        {
            CondUnmaskIrq(desc);
        }
        else
        {
            ChipEoi(desc, cpu);
        }
    }

    /// <summary>Whether a fasteoi or level flow whose actions cost <paramref name="cost"/> leaves its end to <see cref="CompleteFlowEnd"/>.</summary>
    private bool LeavesFlowEnd(long cost) => cost > 0 && DeferFlowEnd;

    /// <summary>
    /// Whether the flow that just ran for <paramref name="desc"/>, its actions costing <paramref name="cost"/>, left its end
    /// to <see cref="CompleteFlowEnd"/> (<see cref="DispatchResult.FlowEndAtReturn"/>): only fasteoi and level flows do,
    /// and exactly when their actions spent time (every path of theirs that costs time runs the actions).
    /// </summary>
    private bool FlowEndDue(IrqDesc desc, long cost) => (desc.Flow is IrqFlow.FastEoi or IrqFlow.Level) && LeavesFlowEnd(cost);

    /// <summary><c>handle_percpu_irq()</c>: no lock, no INPROGRESS/PENDING; count (not <c>tot_count</c>), ack, actions, EOI.</summary>
    private long HandlePercpuIrq(IrqDesc desc, int cpu)
    {
        desc.IncrementKstat(cpu, false);
        ChipAck(desc, cpu);
        return HandleIrqEventPercpu(desc, cpu);
    }

    /// <summary><c>irq_may_run()</c>: not while another invocation is in progress.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IrqMayRun(IrqDesc desc) => !desc.InProgress && (desc.State & IrqStateFlags.PollInProgress) == 0;

    /// <summary><c>handle_irq_event()</c>: clear PENDING, INPROGRESS around the actions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long HandleIrqEvent(IrqDesc desc, int cpu)
    {
        desc.State &= ~IrqStateFlags.Pending;
        desc.InProgress = true;
        var cost = HandleIrqEventPercpu(desc, cpu);
        desc.InProgress = false;
        return cost;
    }

    /// <summary>
    /// <c>__handle_irq_event_percpu()</c> + <c>note_interrupt()</c>: every action in request order (no early exit), the driver
    /// of a HANDLED / WAKE_THREAD action acknowledges its device if the device has an interrupt, else returns IRQ_NONE
    /// (<see cref="IKernelPlatform.DeviceAcknowledge"/>), results OR'ed.
    /// </summary>
    private long HandleIrqEventPercpu(IrqDesc desc, int cpu)
    {
        var (cost, retval) = RunActions(desc, cpu, 0);

        // note_interrupt() has nothing to do for a handled interrupt while no unhandled one is on record.
        if (retval != IrqHandled || desc.IrqsUnhandled != 0 || (desc.State & IrqStateFlags.PollInProgress) != 0)
        {
            NoteInterrupt(desc, cpu, retval);
        }

        return cost;
    }

    /// <summary>
    /// <c>__handle_irq_event_percpu()</c> (kernel/irq/handle.c, the same in 6.1 and the newest tree) after action
    /// <paramref name="action"/> of irq <paramref name="irq"/> returned with interrupts enabled (a scenario's <c>sti</c>
    /// while it ran): <c>WARN_ONCE(!irqs_disabled(), "irq %u handler %pS enabled interrupts\n", irq, action->handler)</c>,
    /// after which the kernel does <c>local_irq_disable()</c> (the caller clears IF). WARN_ONCE prints its message at
    /// KERN_WARNING (<c>__warn_printk()</c>) and then the <c>WARNING: CPU: ...</c> line, once per boot.
    /// </summary>
    public void HandlerEnabledInterrupts(int cpu, int irq, int action)
    {
        CheckCpu(cpu);
        var desc = DescAt(irq);
        if (desc is null || desc.ActionArray.Length == 0 || !_warnedOnce.Add("__handle_irq_event_percpu"))
        {
            return;
        }

        var a = desc.ActionArray[Math.Clamp(action, 0, desc.ActionArray.Length - 1)];
        _platform.Log(cpu, KernelLogLevel.Warning, string.Create(CultureInfo.InvariantCulture,
            $"irq {irq} handler {KernelSymbols.Symbolize(a.HandlerSymbol, 0)} enabled interrupts"));
        _platform.Log(cpu, KernelLogLevel.Warning,
            WarningLine(cpu, "kernel/irq/handle.c", "__handle_irq_event_percpu", "WARN_ONCE(!irqs_disabled())"));
    }

    /// <summary>
    /// The index of the action of irq <paramref name="irq"/> that is running when its handler frame still has
    /// <paramref name="leftNs"/> of its own time to spend: the actions run back to back from the frame's start, each for
    /// its cost (time beyond the actions' sum, a replayed edge's second walk, counts as the first action's).
    /// </summary>
    public int RunningAction(int irq, long leftNs)
    {
        var desc = DescAt(irq);
        if (desc is null || desc.ActionArray.Length == 0)
        {
            return 0;
        }

        var actions = desc.ActionArray;
        long total = 0;
        foreach (var x in actions)
        {
            total += x.CostNs;
        }

        var elapsed = Math.Max(0, total - leftNs);
        long end = 0;
        for (var i = 0; i < actions.Length - 1; i++)
        {
            end += actions[i].CostNs;
            if (elapsed < end)
            {
                return i;
            }
        }

        return actions.Length - 1;
    }

    /// <summary>
    /// The action walk of <c>__handle_irq_event_percpu()</c> from action <paramref name="first"/>: returns the sum of the
    /// actions' costs and the OR of their results. The action array is read again for every action, so a change to the actions made
    /// from inside a handler is seen as the kernel's list walk would see it.
    /// </summary>
    private (long Cost, int Retval) RunActions(IrqDesc desc, int cpu, int first)
    {
        var retval = 0;
        long cost = 0;
        for (var i = first; i < desc.ActionArray.Length; i++)
        {
            var a = desc.ActionArray[i];
            cost += a.CostNs;
            var res = DriverReturn(a);

            if (res == IrqWakeThread)
            {
                WakeThread(desc);
            }

            retval |= res;
        }

        return (cost, retval);
    }

    /// <summary>
    /// What action <paramref name="a"/>'s handler returns: its <c>returns</c> when its device has an interrupt, which a
    /// HANDLED / WAKE_THREAD driver then acknowledges (<see cref="IKernelPlatform.DeviceAcknowledge"/>), else IRQ_NONE.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int DriverReturn(IrqAction a)
    {
        var res = a.ReturnCode;
        return res != IrqNone && a.Device >= 0 && !_platform.DeviceAcknowledge(a.Device) ? IrqNone : res;
    }

    /// <summary>
    /// <c>__irq_wake_thread()</c> and the irq thread (kernel/irq/manage.c <c>irq_thread_fn()</c>): the model has no
    /// scheduler, so the thread runs before the next hard interrupt; its <c>thread_fn</c> returns IRQ_HANDLED (the
    /// hard handler acknowledged the device), which counts in <c>desc->threads_handled</c> — what
    /// <c>note_interrupt()</c> compares to tell a handled threaded interrupt from an unhandled one.
    /// </summary>
    private static void WakeThread(IrqDesc desc) => desc.ThreadsHandled++;

    /// <summary><c>note_interrupt()</c>: the "nobody cared" detector (window 100000, trip above 99900 unhandled, HZ/10 reset).</summary>
    /// <remarks>
    /// Out of line, as in the kernel (kernel/irq/spurious.c): the flows call it only for an unhandled or polled interrupt.
    /// When the JIT inlined it (with its report and log formatting) into a caller that had inlined the edge flow, that
    /// caller's hot loop grew from about 900 to 3,400 bytes and ran 60 % slower (the device-vector benchmark measured
    /// 10.2-10.6 ns instead of 6.2-6.6 ns in about one process of twenty, docs/performance.md).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void NoteInterrupt(IrqDesc desc, int cpu, int actionRet)
    {
        if ((desc.State & IrqStateFlags.PollInProgress) != 0)
        {
            return;
        }

        if ((actionRet & IrqWakeThread) != 0)
        {
            if (actionRet == IrqWakeThread)
            {
                if ((desc.ThreadsHandledLast & SpuriousDeferred) == 0)
                {
                    desc.ThreadsHandledLast |= SpuriousDeferred;
                    return;
                }

                var handled = desc.ThreadsHandled | SpuriousDeferred;
                if (handled != desc.ThreadsHandledLast)
                {
                    actionRet = IrqHandled;
                    desc.ThreadsHandledLast = handled;
                }
                else
                {
                    actionRet = IrqNone;
                }
            }
            else
            {
                desc.ThreadsHandledLast &= ~SpuriousDeferred;
            }
        }

        if (actionRet == IrqNone)
        {
            var jiffies = _platform.NowNs / NsPerJiffy;
            if (jiffies > desc.LastUnhandled + PollSpuriousIrqInterval)
            {
                desc.IrqsUnhandled = 1;
            }
            else
            {
                desc.IrqsUnhandled++;
            }

            desc.LastUnhandled = jiffies;
        }

        if (desc.IrqsUnhandled == 0)
        {
            return;
        }

        desc.IrqCount++;
        if (desc.IrqCount < SpuriousWindow)
        {
            return;
        }

        desc.IrqCount = 0;
        if (desc.IrqsUnhandled > SpuriousTrip)
        {
            ReportNobodyCared(desc, cpu);
            _platform.Log(cpu, KernelLogLevel.Emerg, string.Create(CultureInfo.InvariantCulture, $"Disabling IRQ #{desc.Irq}"));
            desc.State |= IrqStateFlags.SpuriousDisabled;
            desc.Depth++;
            IrqDisable(desc);
        }

        desc.IrqsUnhandled = 0;
    }

    /// <summary>
    /// <c>__report_bad_irq()</c> (kernel/irq/spurious.c) without the stack dump: per action <c>"[&lt;%p&gt;] %ps"</c> of its
    /// handler, continued (<c>KERN_CONT</c>) by <c>" threaded [&lt;%p&gt;] %ps"</c> of its <c>thread_fn</c> when it has one.
    /// </summary>
    private void ReportNobodyCared(IrqDesc desc, int cpu)
    {
        _platform.Log(cpu, KernelLogLevel.Err, string.Create(CultureInfo.InvariantCulture,
            $"irq {desc.Irq}: nobody cared (try booting with the \"irqpoll\" option)"));
        _platform.Log(cpu, KernelLogLevel.Err, "handlers:");
        foreach (var a in desc.ActionArray)
        {
            var line = $"[<{KernelSymbols.HashedPointer(a.HandlerSymbol)}>] {a.HandlerSymbol}";
            if (a.ThreadSymbol is { } thread)
            {
                line += $" threaded [<{KernelSymbols.HashedPointer(thread)}>] {thread}";
            }

            _platform.Log(cpu, KernelLogLevel.Err, line);
        }
    }

    /// <summary><c>irq_disable()</c>: lazy — marks the irq disabled; the line is masked when the next interrupt arrives (no chip <c>irq_disable</c> on x86).</summary>
    private static void IrqDisable(IrqDesc desc) => desc.Disabled = true;

    /// <summary><c>disable_irq_nosync()</c>: nested, lazy.</summary>
    public void DisableIrq(int irq)
    {
        var desc = DescAt(irq) ?? throw new ArgumentException($"no irq {irq}", nameof(irq));
        if (desc.Depth++ == 0)
        {
            IrqDisable(desc);
        }
    }

    /// <summary>
    /// The model's <c>WARNING:</c> line of a <c>WARN*()</c> (<c>__warn()</c>, kernel/panic.c, printed after the WARN's own
    /// message): <c>WARNING: CPU: &lt;cpu&gt; PID: 0 at &lt;file&gt; &lt;func&gt;+0x../0x..: &lt;what&gt;</c>, where
    /// <paramref name="what"/> names the WARN form and its condition (docs/kernel.md).
    /// </summary>
    private static string WarningLine(int cpu, string file, string func, string what) =>
        string.Create(CultureInfo.InvariantCulture, $"WARNING: CPU: {cpu} PID: 0 at {file} {KernelSymbols.CallSite(func)}: {what}");

    /// <summary>
    /// <c>enable_irq()</c>: at depth 1 re-enable, unmask and <c>check_irq_resend()</c> (edge lines with PENDING are
    /// retriggered by IPI). At depth 0 <c>__enable_irq()</c> (kernel/irq/manage.c) does
    /// <c>WARN(1, KERN_WARNING "Unbalanced enable for IRQ %d\n", irq)</c>: the message, then the <c>WARNING: CPU: ...</c>
    /// line, every time (not a _ONCE form).
    /// </summary>
    public void EnableIrq(int irq)
    {
        var desc = DescAt(irq) ?? throw new ArgumentException($"no irq {irq}", nameof(irq));
        if (desc.Depth == 0)
        {
            _platform.Log(0, KernelLogLevel.Warning, string.Create(CultureInfo.InvariantCulture, $"Unbalanced enable for IRQ {irq}"));
            _platform.Log(0, KernelLogLevel.Warning, WarningLine(0, "kernel/irq/manage.c", "__enable_irq", "WARN(1)"));
            return;
        }

        if (desc.Depth == 1)
        {
            desc.Disabled = false;
            UnmaskIrq(desc);
            CheckIrqResend(desc);
        }

        desc.Depth--;
    }

    /// <summary><c>check_irq_resend(desc, false)</c> with the vector domain's <c>apic_retrigger_irq()</c>.</summary>
    private void CheckIrqResend(IrqDesc desc)
    {
        if (desc.Level)
        {
            desc.State &= ~IrqStateFlags.Pending;
            return;
        }

        if ((desc.State & IrqStateFlags.Replay) != 0 || (desc.State & IrqStateFlags.Pending) == 0)
        {
            return;
        }

        desc.State &= ~IrqStateFlags.Pending;
        if (desc.Chip != IrqChipKind.XtPic && desc.Vector >= 0)
        {
            _platform.SendIpi(desc.Cpu, desc.Vector);
            desc.State |= IrqStateFlags.Replay;
        }
    }

    /// <summary>The chip's <c>irq_ack</c>: <c>apic_ack_edge()</c> → <c>apic_eoi()</c> for vector-domain chips; 8259 specific EOI.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ChipAck(IrqDesc desc, int cpu)
    {
        if (desc.Chip == IrqChipKind.XtPic)
        {
            _platform.PicEoi(desc.IsaIrq);
        }
        else
        {
            _platform.ApicEoi(cpu);
        }
    }

    /// <summary>
    /// The chip's <c>irq_eoi</c> for IO-APIC level lines: <c>ioapic_ack_level()</c> reads the local APIC TMR bit, EOIs, and
    /// when TMR was clear (misrouted: accepted as edge) counts MIS and EOIs the IO-APIC pin explicitly.
    /// </summary>
    private void ChipEoi(IrqDesc desc, int cpu)
    {
        if (desc.Chip != IrqChipKind.IoApic)
        {
            _platform.ApicEoi(cpu);
            return;
        }

        var tmr = _platform.ApicTmrIsSet(cpu, desc.Vector);
        _platform.ApicEoi(cpu);
        if (!tmr)
        {
            ProcInterrupts.Increment(ArchRow.Mis, cpu);
            _platform.IoApicPinEoi(desc.IoApic, desc.Pin, desc.Vector);
        }
    }

    /// <summary>
    /// <c>mask_ack_irq()</c>: 8259 <c>mask_and_ack_8259A</c> (<c>disable_8259A_irq</c> after <c>init_8259A(1)</c>); others
    /// mask then ack. An irq Linux had already masked
    /// (<c>cached_irq_mask</c>) takes the slow path: IRQ7 and IRQ15 arrive even while masked, so when
    /// <c>i8259A_irq_real()</c> finds its ISR bit clear it is a spurious 8259A interrupt, reported once per irq at
    /// KERN_DEBUG and counted in ERR (<c>irq_err_count</c>); it is then masked and EOId like a real one
    /// (arch/x86/kernel/i8259.c, the same in 6.1 through latest).
    /// </summary>
    private void MaskAckIrq(IrqDesc desc, int cpu)
    {
        if (desc.Chip == IrqChipKind.XtPic)
        {
            if (_i8259AutoEoi)
            {
                // init_8259A(1): irq_mask_ack = disable_8259A_irq, "in AEOI mode we just have to mask the interrupt".
                _platform.SetPicMask(desc.IsaIrq, true);
                desc.Masked = true;
                return;
            }

            if (desc.Masked && !_platform.PicInService(desc.IsaIrq))
            {
                var bit = 1 << desc.IsaIrq;
                if ((_spurious8259Reported & bit) == 0)
                {
                    _spurious8259Reported |= bit;
                    _platform.Log(cpu, KernelLogLevel.Debug, string.Create(CultureInfo.InvariantCulture, $"spurious 8259A interrupt: IRQ{desc.IsaIrq}."));
                }

                ProcInterrupts.Increment(ArchRow.Err, cpu);
            }

            _platform.SetPicMask(desc.IsaIrq, true);
            _platform.PicEoi(desc.IsaIrq);
            desc.Masked = true;
            return;
        }

        MaskIrq(desc);
        ChipAck(desc, cpu);
    }

    private void MaskIrq(IrqDesc desc)
    {
        if (desc.Masked)
        {
            return;
        }

        SetChipMask(desc, true);
        desc.Masked = true;
    }

    private void UnmaskIrq(IrqDesc desc)
    {
        if (!desc.Masked)
        {
            return;
        }

        SetChipMask(desc, false);
        desc.Masked = false;
    }

    private void SetChipMask(IrqDesc desc, bool masked)
    {
        switch (desc.Chip)
        {
            case IrqChipKind.IoApic:
                _platform.SetIoApicPinMask(desc.IoApic, desc.Pin, masked);
                break;
            case IrqChipKind.XtPic:
                _platform.SetPicMask(desc.IsaIrq, masked);
                break;
            case IrqChipKind.PciMsi:
            case IrqChipKind.PciMsiX:
                _platform.SetMsiMask(desc.Device, desc.MsiIndex, masked);
                break;
            default:
                break;
        }
    }
}
