using System.Runtime.CompilerServices;

namespace IrqLab.Simulation;

/// <summary>
/// Deferred handler resumes. A Linux handler that starts spending its time on a CPU would queue a resume event at the
/// end of that time, whose only effect is the handler's return on that CPU. In the common case nothing else can see
/// that return: the resume is then not queued. The CPU keeps the sequence number the event would have had (reserved
/// from the queue), and the resume is "materialized" before anything touches the CPU or looks at the queue: queued
/// under its reserved key if its time has not come yet (exactly the queue of a run that pushed it), or, if the event
/// would already have fired, run there and then (the return, counted as the event it stands for). Either way every
/// result is the same as when each resume is queued (<see cref="SimulationOptions.EagerResumes"/>).
/// </summary>
internal sealed partial class Machine
{
    /// <summary>
    /// Whether the resume of <paramref name="c"/>'s top frame <paramref name="f"/>, whose time starts now, may be
    /// deferred: when it fires, the pump will only return from the frame and then find nothing to do. That holds when
    /// the frame is the only one (the return leaves the CPU idle, with no frame below that would spend time or run an
    /// action), it has no actions left and no flow end due at its return (a fasteoi EOI or level unmask, which may
    /// deliver a level line again) and no WARN_ONCE due there (a device handler that enabled interrupts, whose log line
    /// carries the return's time), and nothing is pending that the CPU could take after the return (an NMI, an
    /// ExtINT, a deliverable APIC interrupt); the CPU is not in shutdown, and no vCPU was ever loaded on it (there the
    /// return of a host handler may re-enter the guest, <c>GuestReturned</c>; a vCPU is loaded only by an <c>enter</c>
    /// step, outside the event loop). Anything that later changes one of these goes through a touch point that
    /// materializes the resume first (MarkDirty, Pump, the NMI, ExtINT, INIT and SIPI signals, exceptions). The
    /// run-wide conditions (Linux mode, no trace sink, no event bound, inside RunUntil) are in <see cref="_deferResumes"/>.
    /// </summary>
    private static bool CanDeferResume(CpuContext c, Frame f) =>
        c.Depth == 1 && f.ActionCount == 0 && !f.FlowEndAtReturn && f.IrqsEnabledAction < 0 && c.Loaded is null && !c.NmiPending && !c.ExtIntPending
        && !c.Shutdown && !c.Apic.HasInterrupt;

    /// <summary>
    /// <see cref="SpendTime"/> without the queued event: the CPU's state is what SpendTime leaves (busy until the end,
    /// a new generation), and the event's sequence number is reserved so that it can be queued later with its key.
    /// </summary>
    private void DeferResume(CpuContext c, long ns)
    {
        c.BusyUntilNs = TimeAfter(_now, ns);
        c.Generation++;
        c.DeferredSequence = _queue.ReserveSequence();
        _deferredResumes++;
    }

    /// <summary>Materializes <paramref name="c"/>'s deferred resume, if it has one, before the caller touches the CPU.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MaterializeResumeOf(CpuContext c)
    {
        if (c.DeferredSequence >= 0)
        {
            MaterializeResume(c);
        }
    }

    /// <summary>
    /// Ends the deferral of <paramref name="c"/>'s resume. The resume event has the key (BusyUntilNs, reserved
    /// sequence); the event being processed has (<see cref="_eventTimeNs"/>, <see cref="_eventSequence"/>). A later key:
    /// the event is queued under its key, and the CPU's state is already the one a queued resume leaves until then. An
    /// earlier key: a queued event would have fired before this one and, with nothing on the CPU changed since, the pump
    /// would only have returned from the frame (see <see cref="CanDeferResume"/>); the return is done now, before the
    /// caller's change. It depends on nothing that moved meanwhile (not on the clock, not on other CPUs), and it is
    /// counted as the event it replaces.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void MaterializeResume(CpuContext c)
    {
        var sequence = c.DeferredSequence;
        var time = c.BusyUntilNs;
        c.DeferredSequence = -1;
        _deferredResumes--;
        if (time > _eventTimeNs || (time == _eventTimeNs && sequence > _eventSequence))
        {
            _queue.PushReserved(time, sequence, SimEventKind.CpuResume, c.Index, c.Generation);
            return;
        }

        if ((++_events & 0xFFF) == 0)
        {
            _options.Progress?.Invoke(_now, _scenario.RunUntilNs ?? 0);
        }

        c.BusyUntilNs = 0;
        Return(c);
    }

    /// <summary>Materializes every deferred resume (at the end of <see cref="RunUntil"/>, before anything else runs).</summary>
    private void MaterializeResumes()
    {
        if (_deferredResumes == 0)
        {
            return;
        }

        foreach (var c in _cpus)
        {
            MaterializeResumeOf(c);
        }
    }
}
