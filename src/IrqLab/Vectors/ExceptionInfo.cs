namespace IrqLab.Vectors;

/// <summary>One row of the exception table: the facts the SDM (Vol. 3A Table 6-1) and Linux (<c>trapnr.h</c>, <c>idt.c</c>) give for a vector 0-31.</summary>
/// <param name="Vector">The vector, 0..31.</param>
/// <param name="Mnemonic">The SDM mnemonic (<c>#PF</c>), or empty for reserved vectors.</param>
/// <param name="Name">The SDM name ("Page fault").</param>
/// <param name="Class">Fault, trap, abort.</param>
/// <param name="HasErrorCode">True when the CPU pushes an error code in protected/long mode.</param>
/// <param name="DoubleFaultClass">Class for the double-fault rule.</param>
/// <param name="LinuxHandler">The Linux C handler (<c>exc_page_fault</c>), or null when Linux installs none.</param>
/// <param name="LinuxConfig">The Kconfig option that guards the Linux handler, or null.</param>
/// <param name="TrapName">The <c>trapnr.h</c> constant (<c>X86_TRAP_PF</c>), or null for the vectors Linux names none
/// (22-28, 30, 31).</param>
public readonly record struct ExceptionInfo(
    int Vector,
    string Mnemonic,
    string Name,
    ExceptionClass Class,
    bool HasErrorCode,
    DoubleFaultClass DoubleFaultClass,
    string? LinuxHandler,
    string? LinuxConfig,
    string? TrapName);
