namespace IrqLab.Delivery;

/// <summary>
/// Event delivery through the IDT in IA-32e mode (SDM Vol. 3A §6.12, §6.14; the Bochs <c>long_mode_int</c> order in
/// shared/reference/x86-events.md §2.2): IDTR limit, gate type, DPL for software-initiated events, P bit, target
/// selector and canonical offset; IST selection; IF cleared by interrupt gates; NMI blocking. An NMI blocks NMIs when its
/// delivery starts, so the blocking stays when a fault replaces the NMI by another event: Bochs masks NMIs before
/// <c>interrupt(2, BX_NMI)</c> (cpu/event.cc); a VM entry injecting an NMI leaves virtual-NMI blocking in effect
/// whatever its delivery meets (SDM Vol. 3C 26.6.1); KVM clears the "blocking by NMI" an NMI whose delivery faulted left
/// in the guest state (<c>__vmx_complete_interrupts</c>, citing SDM 27.7.1.2). A fault detected while delivering is
/// combined with the event by <see cref="DoubleFaultRule"/>. Segment descriptors, the TSS and paging are
/// not modelled: a fault from pushing the frame can be supplied by the caller.
/// </summary>
public sealed class IdtDelivery
{
    /// <summary>Selector-format error-code bit 0: the event is external to the program.</summary>
    public const ulong ErrorCodeExt = 1;

    /// <summary>Selector-format error-code bit 1: the index refers to an IDT gate.</summary>
    public const ulong ErrorCodeIdt = 2;

    private const int MaxAttempts = 4;

    private readonly Idt _idt;

    /// <summary>Creates a delivery unit that reads <paramref name="idt"/>.</summary>
    public IdtDelivery(Idt idt)
    {
        ArgumentNullException.ThrowIfNull(idt);
        _idt = idt;
    }

    /// <summary>The table this unit reads.</summary>
    public Idt Idt => _idt;

    /// <summary>
    /// Delivers <paramref name="ev"/> (the caller has already checked that it may be taken: IF and shadows for INTR,
    /// <see cref="CpuInterruptState.CanTakeNmi"/> for NMI). <paramref name="fromUser"/> gives CPL 3, else CPL 0.
    /// </summary>
    public DeliveryOutcome Deliver(CpuInterruptState state, in CpuEvent ev, bool fromUser = false) =>
        Deliver(state, ev, fromUser, null);

    /// <summary>
    /// Delivers <paramref name="ev"/> from kernel mode without a frame fault when its gate passes every check: the
    /// state change of <see cref="Deliver(CpuInterruptState, in CpuEvent, bool)"/> with an outcome that would be
    /// <see cref="DeliveryOutcomeKind.Delivered"/> with the event itself; returns false, changing nothing, when the gate
    /// faults (the caller then takes the full <see cref="Deliver(CpuInterruptState, in CpuEvent, bool)"/>). Allocation-free.
    /// </summary>
    public bool TryDeliverUnfaulted(CpuInterruptState state, in CpuEvent ev)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (CheckGate(ev, fromUser: false, out var gate) is not null)
        {
            return false;
        }

        state.EnterEvent(gate.Type == GateType.Interrupt, ev.Type == EventType.Nmi);
        return true;
    }

    /// <summary>
    /// Delivers <paramref name="ev"/>; <paramref name="frameFault"/>, when given, is an exception raised while pushing
    /// the frame of the first delivery attempt (a #PF or #SS on the new stack), applied after the gate checks pass.
    /// </summary>
    public DeliveryOutcome Deliver(CpuInterruptState state, in CpuEvent ev, bool fromUser, CpuEvent? frameFault)
    {
        ArgumentNullException.ThrowIfNull(state);
        var current = ev;
        var pendingFrameFault = frameFault;
        var kind = DeliveryOutcomeKind.Delivered;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var fault = CheckGate(current, fromUser, out var gate);
            if (fault is null && pendingFrameFault is { } pf)
            {
                fault = pf;
            }

            pendingFrameFault = null;
            if (fault is not { } nested)
            {
                var clearIf = gate.Type == GateType.Interrupt;
                state.EnterEvent(clearIf, current.Type == EventType.Nmi);
                if (ev.Type == EventType.Nmi)
                {
                    // The NMI's delivery blocked NMIs even when a fault replaced it by another event.
                    state.BlockNmis();
                }

                return new DeliveryOutcome(kind, current, gate, gate.Ist, clearIf);
            }

            switch (DoubleFaultRule.Combine(DoubleFaultRule.ClassOf(current), DoubleFaultRule.ClassOf(nested)))
            {
                case DoubleFaultResolution.TripleFault:
                    if (ev.Type == EventType.Nmi)
                    {
                        state.BlockNmis();
                    }

                    return new DeliveryOutcome(DeliveryOutcomeKind.TripleFault, current, null, 0, false);
                case DoubleFaultResolution.DoubleFault:
                    current = CpuEvent.Exception(8, 0);
                    kind = DeliveryOutcomeKind.DoubleFault;
                    break;
                default:
                    current = nested;
                    break;
            }
        }

        // Unreachable with the rule above (every nested gate fault is contributory); kept as a hard stop.
        return new DeliveryOutcome(DeliveryOutcomeKind.TripleFault, current, null, 0, false);
    }

    /// <summary>
    /// Delivers <paramref name="ev"/> interrupting <paramref name="context"/> and returns the frame pushed (default on a
    /// triple fault). The frame's RFLAGS.IF is the IF before delivery.
    /// </summary>
    public DeliveryOutcome Deliver(
        CpuInterruptState state, in CpuEvent ev, bool fromUser, in InterruptedContext context, out IdtFrame frame, CpuEvent? frameFault = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var rflags = context.RflagsWithIf(state.If);
        var outcome = Deliver(state, ev, fromUser, frameFault);
        frame = outcome.IsDelivered
            ? IdtFrame.For(outcome.Delivered, context.Ss, context.Rsp, rflags, context.Cs, context.Rip)
            : default;
        return outcome;
    }

    /// <summary>
    /// IRETQ: unblocks NMIs (always, even if the frame was not the NMI's: SDM §6.7.1) and restores IF from the frame.
    /// <paramref name="wasNmi"/> tells whether the frame popped is the NMI handler's own; IRET behaves the same either
    /// way, but a non-NMI return that unblocks NMIs is counted in <see cref="CpuInterruptState.EarlyNmiUnblocks"/>.
    /// </summary>
    public void Iret(CpuInterruptState state, bool wasNmi)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!wasNmi && state.NmiBlocked)
        {
            state.EarlyNmiUnblocks++;
        }

        state.ReturnFromEvent(unblockNmi: true);
    }

    /// <summary>The error code of an IDT-related fault on <paramref name="vector"/>: <c>vector*8 + 2 + EXT</c> (SDM §6.13).</summary>
    public static ulong IdtErrorCode(int vector, bool external) =>
        ((ulong)vector << 3) | ErrorCodeIdt | (external ? ErrorCodeExt : 0);

    private CpuEvent? CheckGate(in CpuEvent ev, bool fromUser, out GateDescriptor gate)
    {
        var ext = !ev.IsSoftwareInitiated;
        if (!_idt.WithinLimit(ev.Vector))
        {
            gate = default;
            return CpuEvent.Exception(13, IdtErrorCode(ev.Vector, ext));
        }

        gate = _idt[ev.Vector];
        if (!gate.IsValid64)
        {
            return CpuEvent.Exception(13, IdtErrorCode(ev.Vector, ext));
        }

        var cpl = fromUser ? 3 : 0;
        if (ev.IsSoftwareInitiated && gate.Dpl < cpl)
        {
            return CpuEvent.Exception(13, IdtErrorCode(ev.Vector, external: false));
        }

        if (!gate.Present)
        {
            return CpuEvent.Exception(11, IdtErrorCode(ev.Vector, ext));
        }

        if ((gate.Selector & 0xFFFC) == 0)
        {
            return CpuEvent.Exception(13, ext ? ErrorCodeExt : 0);
        }

        if (!IsCanonical(gate.Offset))
        {
            return CpuEvent.Exception(13, ext ? ErrorCodeExt : 0);
        }

        return null;
    }

    /// <summary>True when <paramref name="address"/> is canonical for 48-bit linear addresses.</summary>
    public static bool IsCanonical(ulong address)
    {
        var top = address >> 47;
        return top == 0 || top == 0x1FFFF;
    }
}
