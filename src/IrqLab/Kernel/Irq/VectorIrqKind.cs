namespace IrqLab.Kernel.Irq;

/// <summary>What a per-CPU <c>vector_irq[]</c> slot holds (<c>arch/x86/include/asm/hw_irq.h</c>).</summary>
public enum VectorIrqKind
{
    /// <summary><c>VECTOR_UNUSED</c> (NULL).</summary>
    Unused,

    /// <summary><c>VECTOR_SHUTDOWN</c> (-1): just released by <c>clear_irq_vector()</c>.</summary>
    Shutdown,

    /// <summary><c>VECTOR_RETRIGGERED</c> (-2): left by <c>fixup_irqs()</c> after re-raising a pending vector elsewhere.</summary>
    Retriggered,

    /// <summary>A real descriptor.</summary>
    Desc,
}
