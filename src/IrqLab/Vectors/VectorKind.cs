namespace IrqLab.Vectors;

/// <summary>What a vector is used for in a Linux layout (SCENARIOS.md §11, <c>irqlab vectors</c>).</summary>
public enum VectorKind
{
    /// <summary>0-31: CPU exceptions.</summary>
    Exception,

    /// <summary>Usable by <c>common_interrupt</c> for device IRQs.</summary>
    Device,

    /// <summary>Legacy ISA IRQ vectors 0x30-0x3f.</summary>
    Isa,

    /// <summary>IRQ_MOVE_CLEANUP_VECTOR (0x20) in versions that have it.</summary>
    Cleanup,

    /// <summary>0x80 when IA32_EMULATION is on.</summary>
    Syscall,

    /// <summary>FIRST_SYSTEM_VECTOR..255.</summary>
    System,
}
