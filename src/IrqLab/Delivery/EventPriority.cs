namespace IrqLab.Delivery;

/// <summary>
/// Priority among events pending at one instruction boundary (SDM Vol. 3A §6.9, Table 6-2; shared/reference/x86-events.md
/// §1.4). The highest-priority event is serviced; lower-priority exceptions are discarded (they recur), lower-priority
/// interrupts stay pending.
/// </summary>
/// <remarks>
/// A hardware #DB is ranked as a trap on the previous instruction (class 4); pass <c>codeBreakpoint: true</c> for an
/// instruction-breakpoint fault (class 7). #PF is ranked as a data fault (class 10) unless <c>codeFetch: true</c> (class 8).
/// </remarks>
public static class EventPriority
{
    /// <summary>The Table 6-2 class of an event; smaller is higher priority.</summary>
    public static EventPriorityClass ClassOf(EventType type, int vector, bool codeBreakpoint = false, bool codeFetch = false) =>
        type switch
        {
            EventType.Nmi => EventPriorityClass.Nmi,
            EventType.ExternalInterrupt => EventPriorityClass.MaskableInterrupt,
            EventType.HardwareException => vector switch
            {
                18 => EventPriorityClass.ResetOrMachineCheck,
                1 => codeBreakpoint ? EventPriorityClass.CodeBreakpointFault : EventPriorityClass.PreviousInstructionTrap,
                14 or 21 when codeFetch => EventPriorityClass.FetchFault,
                6 or 7 => EventPriorityClass.DecodeFault,
                _ => EventPriorityClass.ExecuteFault,
            },
            _ => EventPriorityClass.ExecuteFault,
        };

    /// <summary>The rank of an event (1 = highest).</summary>
    public static int Rank(EventType type, int vector) => (int)ClassOf(type, vector);

    /// <summary>Compares two events: negative when <paramref name="a"/> is serviced before <paramref name="b"/>.</summary>
    public static int Compare(in CpuEvent a, in CpuEvent b) => Rank(a.Type, a.Vector).CompareTo(Rank(b.Type, b.Vector));

    /// <summary>The index of the event serviced first (the earliest among equals), or -1 for an empty span.</summary>
    public static int Highest(ReadOnlySpan<CpuEvent> pending)
    {
        var best = -1;
        var bestRank = int.MaxValue;
        for (var i = 0; i < pending.Length; i++)
        {
            var rank = Rank(pending[i].Type, pending[i].Vector);
            if (rank < bestRank)
            {
                best = i;
                bestRank = rank;
            }
        }

        return best;
    }
}
