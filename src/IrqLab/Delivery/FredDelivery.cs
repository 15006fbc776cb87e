namespace IrqLab.Delivery;

/// <summary>
/// FRED event delivery (shared/reference/x86-events.md §7.4, modelled on Bochs <c>FRED_EventDelivery</c>): stack-level
/// selection from IA32_FRED_STKLVLS / CONFIG, the new RSP, the 64-byte frame with its event data and NMI bit, IF cleared,
/// NMI blocking; and ERETS.
/// </summary>
/// <remarks>
/// Intended differences from <see cref="IdtDelivery"/> (the differential tests hold everything else equal: whether an
/// event is delivered, and the IF and NMI-blocking state after delivery and after the matching return):
/// <list type="bullet">
/// <item>No IDT: there are no gates, so no #NP/#GP from a bad or missing gate, no gate DPL check, and no trap gates —
/// every FRED delivery clears IF (IDT trap gates leave it set). Software dispatch on the event type replaces the gates
/// (<c>fred_entry_from_user/kernel</c>).</item>
/// <item>Stack levels replace IST: the new level is STKLVLS[vector] (exceptions, NMI) or CONFIG[10:9] (INTR), raised to
/// at least the current level for events in ring 0; events from ring 3 use level 0 (except #DF and nested exceptions).
/// IDT IST stacks are used unconditionally and are not re-entrant.</item>
/// <item>ERETS / ERETU unblock NMIs only when the popped frame's NMI bit is set, so returning from an exception taken
/// inside the NMI handler keeps NMIs blocked; IRET unblocks NMIs on every return.</item>
/// <item>The frame always has an error-code slot (0 when none) and carries event data (CR2 for #PF, DR6 for #DB) instead
/// of the CPU writing CR2/DR6 only.</item>
/// </list>
/// </remarks>
public sealed class FredDelivery
{
    /// <summary>RFLAGS after FRED delivery (Bochs writes 0x2: IF, TF, AC and the rest cleared).</summary>
    public const ulong DeliveredRflags = 0x2;

    private const int MaxAttempts = 4;

    private readonly FredConfig _config;

    /// <summary>Creates a delivery unit with the given MSR values.</summary>
    public FredDelivery(FredConfig config) => _config = config;

    /// <summary>The MSR values in use.</summary>
    public FredConfig Config => _config;

    /// <summary>
    /// Delivers <paramref name="ev"/> at current stack level <paramref name="currentStackLevel"/> (ignored from ring 3).
    /// <see cref="DeliveryOutcome.StackLevelOrIst"/> is the new current stack level.
    /// </summary>
    public DeliveryOutcome Deliver(CpuInterruptState state, in CpuEvent ev, int currentStackLevel, bool fromUser = false) =>
        Deliver(state, ev, currentStackLevel, fromUser, null);

    /// <summary>
    /// Delivers <paramref name="ev"/> whose frame push does not fault (no frame fault): the state change of
    /// <see cref="Deliver(CpuInterruptState, in CpuEvent, int, bool)"/>, whose outcome is then always
    /// <see cref="DeliveryOutcomeKind.Delivered"/> with the event itself, without building that outcome. For hot paths
    /// that need neither the stack level nor the frame. Allocation-free.
    /// </summary>
    public void DeliverUnfaulted(CpuInterruptState state, in CpuEvent ev)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.EnterEvent(clearIf: true, ev.Type == EventType.Nmi);
    }

    /// <summary>
    /// Delivers <paramref name="ev"/>; <paramref name="frameFault"/>, when given, is an exception raised while pushing the
    /// frame of the first attempt. It combines with the event by <see cref="DoubleFaultRule"/> as under IDT delivery.
    /// </summary>
    public DeliveryOutcome Deliver(CpuInterruptState state, in CpuEvent ev, int currentStackLevel, bool fromUser, CpuEvent? frameFault) =>
        DeliverCore(state, ev, currentStackLevel, fromUser, frameFault, out _);

    /// <summary>
    /// Delivers <paramref name="ev"/> interrupting <paramref name="context"/> and returns the 64-byte frame pushed
    /// (default on a triple fault): event info, NMI bit, STI bit, the stack level at event time, event data, and the
    /// nested bit when the delivered event is a fault raised by the first delivery attempt.
    /// </summary>
    public DeliveryOutcome Deliver(
        CpuInterruptState state,
        in CpuEvent ev,
        int currentStackLevel,
        bool fromUser,
        in InterruptedContext context,
        out FredFrame frame,
        CpuEvent? frameFault = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var rflags = context.RflagsWithIf(state.If);
        var sti = state.StiShadow;
        var outcome = DeliverCore(state, ev, currentStackLevel, fromUser, frameFault, out var nested);
        frame = outcome.IsDelivered
            ? BuildFrame(outcome.Delivered, context.Rip, context.Cs, rflags, context.Rsp, context.Ss, currentStackLevel, fromUser, sti, context.LongMode, nested, context.InstructionLength)
            : default;
        return outcome;
    }

    private DeliveryOutcome DeliverCore(
        CpuInterruptState state, in CpuEvent ev, int currentStackLevel, bool fromUser, CpuEvent? frameFault, out bool nested)
    {
        ArgumentNullException.ThrowIfNull(state);
        if ((uint)currentStackLevel > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(currentStackLevel), currentStackLevel, "stack levels are 0..3");
        }

        var current = ev;
        nested = false;
        var kind = DeliveryOutcomeKind.Delivered;
        var pendingFault = frameFault;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (pendingFault is not { } fault)
            {
                var level = NewStackLevel(current, currentStackLevel, fromUser, nested);
                state.EnterEvent(clearIf: true, current.Type == EventType.Nmi);
                return new DeliveryOutcome(kind, current, null, level, true);
            }

            pendingFault = null;
            switch (DoubleFaultRule.Combine(DoubleFaultRule.ClassOf(current), DoubleFaultRule.ClassOf(fault)))
            {
                case DoubleFaultResolution.TripleFault:
                    return new DeliveryOutcome(DeliveryOutcomeKind.TripleFault, current, null, currentStackLevel, false);
                case DoubleFaultResolution.DoubleFault:
                    current = CpuEvent.Exception(8, 0);
                    kind = DeliveryOutcomeKind.DoubleFault;
                    nested = false;
                    break;
                default:
                    current = fault;
                    nested = true;
                    break;
            }
        }

        return new DeliveryOutcome(DeliveryOutcomeKind.TripleFault, current, null, currentStackLevel, false);
    }

    /// <summary>
    /// The event's own stack level (§7.4 step 2): 0 from ring 3 unless the event is #DF or nested; otherwise CONFIG[10:9]
    /// for INTR, STKLVLS[vector] for NMI and hardware/software/privileged-software exceptions, 0 for INT n and other.
    /// </summary>
    public int EventStackLevel(in CpuEvent ev, bool fromUser, bool nested = false)
    {
        var isDoubleFault = ev.Type == EventType.HardwareException && ev.Vector == 8;
        if (fromUser && !nested && !isDoubleFault)
        {
            return 0;
        }

        return ev.Type switch
        {
            EventType.ExternalInterrupt => _config.InterruptStackLevel,
            EventType.Nmi or EventType.HardwareException or EventType.SoftwareException
                or EventType.PrivilegedSoftwareException => _config.StackLevelOf(ev.Vector),
            _ => 0,
        };
    }

    /// <summary>The new current stack level (§7.4 steps 1-3): max(event level, old level), old level 0 from ring 3.</summary>
    public int NewStackLevel(in CpuEvent ev, int currentStackLevel, bool fromUser, bool nested = false)
    {
        var old = fromUser ? 0 : currentStackLevel;
        return Math.Max(EventStackLevel(ev, fromUser, nested), old);
    }

    /// <summary>
    /// The RSP the frame is pushed below (§7.4 step 4): IA32_FRED_RSP[new level] from ring 3 or when the level rises;
    /// otherwise the current RSP minus the red zone, aligned down to 64 bytes.
    /// </summary>
    public ulong NewRsp(int newStackLevel, int currentStackLevel, bool fromUser, ulong currentRsp) =>
        fromUser || newStackLevel > currentStackLevel
            ? _config.RspOf(newStackLevel)
            : (currentRsp - _config.RedZoneBytes) & ~0x3FUL;

    /// <summary>The entry point: CONFIG[63:12] from ring 3, plus 256 from ring 0.</summary>
    public ulong EntryPoint(bool fromUser) => fromUser ? _config.UserEntryPoint : _config.KernelEntryPoint;

    /// <summary>
    /// Builds the frame FRED pushes for <paramref name="ev"/> interrupting the given context.
    /// <paramref name="currentStackLevel"/> is the level at event time (recorded as 0 from ring 3).
    /// </summary>
    public static FredFrame BuildFrame(
        in CpuEvent ev,
        ulong rip,
        ushort cs,
        ulong rflags,
        ulong rsp,
        ushort ss,
        int currentStackLevel,
        bool fromUser,
        bool stiBlocking = false,
        bool longMode = true,
        bool nested = false,
        int instructionLength = 0)
    {
        var softwareEvent = ev.Type is EventType.SoftwareInterrupt
            || (ev.Type == EventType.Other && ev.Vector is 1 or 2);
        var hasLength = ev.Type is EventType.SoftwareInterrupt or EventType.SoftwareException
            or EventType.PrivilegedSoftwareException or EventType.Other;
        return new FredFrame(
            IdtFrame.PushesErrorCode(ev) ? ev.ErrorCode ?? 0 : 0,
            rip,
            cs,
            fromUser ? 0 : currentStackLevel,
            false,
            rflags,
            rsp,
            ss,
            stiBlocking,
            softwareEvent,
            ev.Type == EventType.Nmi,
            ev.Vector,
            ev.Type,
            longMode,
            nested && !(ev.Type == EventType.HardwareException && ev.Vector == 8),
            hasLength ? instructionLength : 0,
            EventData(ev));
    }

    /// <summary>
    /// The event-data word (§7.4): the event's data for #PF (CR2), #DB (DR6 causes), #NM (XFD_ERR) and NMI (source
    /// bitmap); 0 for everything else.
    /// </summary>
    public static ulong EventData(in CpuEvent ev) => ev.Type switch
    {
        EventType.HardwareException when ev.Vector is 14 or 1 or 7 => ev.EventData,
        EventType.Nmi => ev.EventData,
        _ => 0,
    };

    /// <summary>
    /// ERETS: restores IF from the frame, unblocks NMIs only if the frame's NMI bit is set, and re-establishes blocking
    /// by STI when it was in effect at delivery (the frame's STI bit, <see cref="CpuInterruptState.TopFrameSti"/>) and
    /// IF is 1 after the return (§7.5). IRET has no such bit: under IDT delivery the blocking is lost.
    /// </summary>
    public void Erets(CpuInterruptState state, bool frameNmiBit)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ReturnFromEvent(unblockNmi: frameNmiBit, restoreSti: true);
    }

    /// <summary>
    /// ERETS popping <paramref name="frame"/>: restores IF, unblocks NMIs if the frame's NMI bit is set, and
    /// re-establishes blocking by STI when the frame's STI bit is set and IF is 1 after the return (§7.5).
    /// </summary>
    public void Erets(CpuInterruptState state, in FredFrame frame)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ReturnFromEvent(unblockNmi: frame.Nmi);
        if (frame.Sti && state.If)
        {
            state.RestoreStiShadow();
        }
    }

    /// <summary>ERETU: as ERETS for IF and NMI blocking, without the STI bit (the return to ring 3 itself is the caller's).</summary>
    public void Eretu(CpuInterruptState state, bool frameNmiBit)
    {
        // Only ERETS re-establishes blocking by STI from the frame's STI bit (§7.5); ERETU does not.
        ArgumentNullException.ThrowIfNull(state);
        state.ReturnFromEvent(unblockNmi: frameNmiBit);
    }

    /// <summary>The stack level after ERETS: min(current, popped SL) — ERETS never raises it.</summary>
    public static int StackLevelAfterErets(int currentStackLevel, int poppedStackLevel) =>
        Math.Min(currentStackLevel, poppedStackLevel);
}
