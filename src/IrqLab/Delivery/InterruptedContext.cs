namespace IrqLab.Delivery;

/// <summary>The registers of the interrupted context that delivery saves in the frame.</summary>
/// <param name="Rip">Return RIP (the faulting instruction for faults, the next instruction otherwise).</param>
/// <param name="Cs">CS selector (RPL 3 when the context is user mode).</param>
/// <param name="Rflags">RFLAGS; bit 9 (IF) is replaced by <see cref="CpuInterruptState.If"/> at delivery.</param>
/// <param name="Rsp">RSP.</param>
/// <param name="Ss">SS selector.</param>
/// <param name="LongMode">The context runs in 64-bit mode (FRED frame L bit); false for compatibility mode.</param>
/// <param name="InstructionLength">Length of the instruction that raised a software event (INT n, INT1, INT3, INTO, SYSCALL, SYSENTER), else 0.</param>
public readonly record struct InterruptedContext(
    ulong Rip, ushort Cs, ulong Rflags, ulong Rsp, ushort Ss, bool LongMode = true, int InstructionLength = 0)
{
    /// <summary>RFLAGS.IF.</summary>
    public const ulong RflagsIf = 1UL << 9;

    /// <summary>RFLAGS with IF taken from <paramref name="ifFlag"/> (bit 1 is always set).</summary>
    public ulong RflagsWithIf(bool ifFlag) => ((Rflags & ~RflagsIf) | 0x2) | (ifFlag ? RflagsIf : 0);
}
