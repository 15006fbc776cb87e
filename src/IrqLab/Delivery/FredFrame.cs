namespace IrqLab.Delivery;

/// <summary>
/// The 64-byte frame FRED event delivery pushes (shared/reference/x86-events.md §7.4 step 7; Linux <c>struct fred_cs</c>,
/// <c>struct fred_ss</c>, <c>struct fred_info</c>): error code, RIP, CS word, RFLAGS, RSP, SS word, event data, reserved.
/// </summary>
/// <param name="ErrorCode">Error code, 0 when the event has none (Linux <c>orig_ax</c>).</param>
/// <param name="Rip">Return RIP.</param>
/// <param name="Cs">CS selector.</param>
/// <param name="StackLevel">CS word 17:16: the stack level at the time of the event.</param>
/// <param name="Wfe">CS word 18: IBT wait-for-ENDBRANCH.</param>
/// <param name="Rflags">Interrupted RFLAGS.</param>
/// <param name="Rsp">Interrupted RSP.</param>
/// <param name="Ss">SS selector.</param>
/// <param name="Sti">SS word 16: blocking by STI was in effect.</param>
/// <param name="SoftwareEvent">SS word 17: SYSCALL, SYSENTER or INT n.</param>
/// <param name="Nmi">SS word 18: the event is an NMI; ERETS / ERETU unblock NMIs only when set.</param>
/// <param name="Vector">SS word 39:32.</param>
/// <param name="Type">SS word 51:48.</param>
/// <param name="LongMode">SS word 57: the interrupted context ran in 64-bit mode (Linux <c>fred_ss.l</c>, <c>lm</c> in 6.9).</param>
/// <param name="Nested">SS word 58: an exception detected during FRED event delivery (not set for #DF).</param>
/// <param name="InstructionLength">SS word 63:60: length of INT n, INT1, INT3, INTO, SYSCALL, SYSENTER; else 0.</param>
/// <param name="EventData">Event data: CR2 for #PF, DR6 causes for #DB, XFD_ERR for #NM, NMI sources for NMI, else 0.</param>
public readonly record struct FredFrame(
    ulong ErrorCode,
    ulong Rip,
    ushort Cs,
    int StackLevel,
    bool Wfe,
    ulong Rflags,
    ulong Rsp,
    ushort Ss,
    bool Sti,
    bool SoftwareEvent,
    bool Nmi,
    byte Vector,
    EventType Type,
    bool LongMode,
    bool Nested,
    int InstructionLength,
    ulong EventData)
{
    /// <summary>Frame size in bytes.</summary>
    public const int SizeBytes = 64;

    /// <summary>The CS quadword as pushed.</summary>
    public ulong CsWord => Cs | ((ulong)(StackLevel & 3) << 16) | (Wfe ? 1UL << 18 : 0);

    /// <summary>The SS quadword as pushed.</summary>
    public ulong SsWord => Ss
        | (Sti ? 1UL << 16 : 0)
        | (SoftwareEvent ? 1UL << 17 : 0)
        | (Nmi ? 1UL << 18 : 0)
        | ((ulong)Vector << 32)
        | ((ulong)((byte)Type & 0xF) << 48)
        | (LongMode ? 1UL << 57 : 0)
        | (Nested ? 1UL << 58 : 0)
        | ((ulong)(InstructionLength & 0xF) << 60);

    /// <summary>The eight quadwords from the new RSP upward, as in memory.</summary>
    public ulong[] ToStackQwords() => [ErrorCode, Rip, CsWord, Rflags, Rsp, SsWord, EventData, 0];

    /// <summary>Decodes a frame from its eight quadwords (the inverse of <see cref="ToStackQwords"/>).</summary>
    public static FredFrame FromStackQwords(ReadOnlySpan<ulong> q)
    {
        if (q.Length < 8)
        {
            throw new ArgumentException("a FRED frame has 8 quadwords", nameof(q));
        }

        var cs = q[2];
        var ss = q[5];
        return new FredFrame(
            q[0],
            q[1],
            (ushort)cs,
            (int)((cs >> 16) & 3),
            ((cs >> 18) & 1) != 0,
            q[3],
            q[4],
            (ushort)ss,
            ((ss >> 16) & 1) != 0,
            ((ss >> 17) & 1) != 0,
            ((ss >> 18) & 1) != 0,
            (byte)(ss >> 32),
            (EventType)((ss >> 48) & 0xF),
            ((ss >> 57) & 1) != 0,
            ((ss >> 58) & 1) != 0,
            (int)((ss >> 60) & 0xF),
            q[6]);
    }
}
