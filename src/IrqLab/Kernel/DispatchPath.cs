namespace IrqLab.Kernel;

/// <summary>How a handler was reached (JSON <c>path</c>: <c>sysvec_table</c>, <c>common_interrupt</c>, <c>idt_gate</c>, <c>exception</c>, <c>nmi</c>).</summary>
public enum DispatchPath
{
    /// <summary>Through the system vector table (<c>sysvec_table[]</c> in <c>entry_fred.c</c>, or the 2022 proposal's table).</summary>
    SysvecTable,

    /// <summary>Through <c>common_interrupt</c> and the per-CPU <c>vector_irq[]</c>.</summary>
    CommonInterrupt,

    /// <summary>Directly through the handler in the IDT gate (<c>asm_sysvec_*</c>, spurious stubs).</summary>
    IdtGate,

    /// <summary>An exception handler (<c>exc_*</c>).</summary>
    Exception,

    /// <summary>The NMI handler (<c>exc_nmi</c>).</summary>
    Nmi,
}
