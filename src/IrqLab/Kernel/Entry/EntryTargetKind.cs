namespace IrqLab.Kernel.Entry;

/// <summary>Where Linux's entry code sends an event.</summary>
public enum EntryTargetKind
{
    /// <summary>FRED external interrupt: <c>fred_extint</c>, which calls the system-vector table or <c>common_interrupt</c>.</summary>
    ExternalInterrupt,

    /// <summary>An exception handler (<c>exc_*</c>).</summary>
    Exception,

    /// <summary>The NMI handler <c>exc_nmi</c>.</summary>
    Nmi,

    /// <summary>A system call entry (<c>do_syscall_64</c>, <c>do_fast_syscall_32</c>, INT 0x80 emulation).</summary>
    Syscall,

    /// <summary><c>fred_bad_type</c>: an invalid or fatal FRED event (oops or panic).</summary>
    BadType,

    /// <summary>IDT: a <c>spurious_entries_start</c> stub (a system vector nobody installed) → <c>spurious_interrupt</c>.</summary>
    Spurious,

    /// <summary>IDT: an <c>irq_entries_start</c> stub → <c>common_interrupt</c>.</summary>
    CommonInterrupt,

    /// <summary>IDT: a system-vector gate installed directly (<c>asm_sysvec_*</c>).</summary>
    SystemVector,

    /// <summary>Nothing handles it: an exception vector Linux leaves on its early boot handler, or an external interrupt below 0x20 under FRED (<c>WARN_ON_ONCE</c> and return).</summary>
    Unhandled,
}
