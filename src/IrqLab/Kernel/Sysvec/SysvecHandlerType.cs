namespace IrqLab.Kernel.Sysvec;

/// <summary>The declared C type of a function (what kCFI hashes).</summary>
public enum SysvecHandlerType
{
    /// <summary><c>idtentry_t</c> = <c>void (*)(struct pt_regs *regs)</c> (<c>idtentry.h</c>): every <c>sysvec_*</c> and <c>fred_sysvec_*</c>.</summary>
    IdtEntry,

    /// <summary><c>void (*)(struct pt_regs *regs, unsigned long vector)</c>: the 2022 proposal's table type and <c>spurious_interrupt</c>.</summary>
    RegsVector,
}
