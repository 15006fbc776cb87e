using IrqLab.Vectors;

namespace IrqLab.Delivery;

/// <summary>
/// What IA-32e IDT delivery pushes (SDM Vol. 3A §6.14.2, Figure 6-9): SS, RSP, RFLAGS, CS, RIP (always all five), then
/// the error code if the event has one: 40 or 48 bytes, on a 16-byte aligned stack.
/// </summary>
/// <param name="Ss">Interrupted SS.</param>
/// <param name="Rsp">Interrupted RSP.</param>
/// <param name="Rflags">Interrupted RFLAGS.</param>
/// <param name="Cs">Interrupted CS.</param>
/// <param name="Rip">Return RIP (the faulting instruction for faults, the next one for traps and interrupts).</param>
/// <param name="ErrorCode">The pushed error code, or null when none is pushed.</param>
public readonly record struct IdtFrame(ulong Ss, ulong Rsp, ulong Rflags, ulong Cs, ulong Rip, ulong? ErrorCode)
{
    /// <summary>Bytes pushed: 40, or 48 with an error code.</summary>
    public int SizeBytes => ErrorCode.HasValue ? 48 : 40;

    /// <summary>True when the CPU pushes an error code for <paramref name="ev"/>: hardware exceptions whose vector has one (SDM Table 6-1).</summary>
    public static bool PushesErrorCode(in CpuEvent ev) =>
        ev.Type == EventType.HardwareException && ev.Vector < 32 && ExceptionTable.All[ev.Vector].HasErrorCode;

    /// <summary>Builds the frame for delivering <paramref name="ev"/> from the given context (error code 0 when the event has none but the vector pushes one).</summary>
    public static IdtFrame For(in CpuEvent ev, ulong ss, ulong rsp, ulong rflags, ulong cs, ulong rip) =>
        new(ss, rsp, rflags, cs, rip, PushesErrorCode(ev) ? ev.ErrorCode ?? 0 : null);

    /// <summary>The quadwords from the new RSP upward (error code first when present), as they sit in memory.</summary>
    public ulong[] ToStackQwords() => ErrorCode is { } ec
        ? [ec, Rip, Cs, Rflags, Rsp, Ss]
        : [Rip, Cs, Rflags, Rsp, Ss];
}
