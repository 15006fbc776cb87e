namespace IrqLab.Kernel;

/// <summary>How an external interrupt enters the kernel.</summary>
public enum EntryRoute
{
    /// <summary>Hardware vectored through the IDT gate: a system vector runs its <c>asm_sysvec_*</c> stub directly, no table.</summary>
    Idt,

    /// <summary>
    /// <c>external_interrupt()</c> / <c>fred_extint()</c>: FRED delivery or KVM software re-injection; system vectors go
    /// through <see cref="Sysvec.SystemVectorTable"/>.
    /// </summary>
    Software,
}
