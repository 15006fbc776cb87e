namespace IrqLab.Vectors;

/// <summary>
/// Fixed numbers of the x86 vector space shared by every kernel version
/// (<c>arch/x86/include/asm/irq_vectors.h</c>, Intel SDM Vol. 3A §6.2).
/// </summary>
public static class VectorSpace
{
    /// <summary>Number of vectors (<c>NR_VECTORS</c>): the IDT has 256 entries.</summary>
    public const int NrVectors = 256;

    /// <summary>Vectors 0-31 are reserved for exceptions; 32 (<c>FIRST_EXTERNAL_VECTOR</c>) is the first one external sources may use.</summary>
    public const int FirstExternalVector = 0x20;

    /// <summary>The NMI vector (<c>NMI_VECTOR</c>), hard-wired by the CPU.</summary>
    public const int NmiVector = 0x02;

    /// <summary>Legacy ISA IRQ 0 lives at <c>ISA_IRQ_VECTOR(0)</c> = 0x30.</summary>
    public const int IsaIrqVectorBase = 0x30;

    /// <summary>Number of legacy ISA IRQs (<c>NR_IRQS_LEGACY</c>).</summary>
    public const int NrIrqsLegacy = 16;

    /// <summary>The compat syscall gate (<c>IA32_SYSCALL_VECTOR</c>).</summary>
    public const int Ia32SyscallVector = 0x80;

    /// <summary>The local APIC cannot accept vectors below 16 (SDM §11.5.2: "illegal vector").</summary>
    public const int FirstLegalApicVector = 16;

    /// <summary>Vector of legacy ISA IRQ <paramref name="irq"/> (<c>ISA_IRQ_VECTOR</c>).</summary>
    public static int IsaIrqVector(int irq) => IsaIrqVectorBase + irq;

    /// <summary>
    /// The IO-APIC 0 pin (GSI) that legacy ISA IRQ <paramref name="irq"/> reaches in the PC wiring: the pin of the same
    /// number, except IRQ 0 (the PIT), which the MADT's interrupt source override puts on pin 2.
    /// </summary>
    public static int IsaIrqGsi(int irq) => irq == 0 ? 2 : irq;

    /// <summary>
    /// Reads the name <c>irqlab vectors</c> gives a legacy ISA vector, <c>ISA_IRQ_VECTOR(n)</c> with a decimal n of 0..15,
    /// into its vector (<see cref="IsaIrqVector"/>).
    /// </summary>
    public static bool TryParseIsaIrqVectorName(string name, out int vector)
    {
        ArgumentNullException.ThrowIfNull(name);
        const string prefix = "ISA_IRQ_VECTOR(";
        vector = -1;
        if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(')') || name.Length < prefix.Length + 2
            || name.Length > prefix.Length + 3)
        {
            return false;
        }

        var irq = 0;
        for (var i = prefix.Length; i < name.Length - 1; i++)
        {
            if (!char.IsAsciiDigit(name[i]))
            {
                return false;
            }

            irq = (irq * 10) + (name[i] - '0');
        }

        if (irq >= 16 || (name[prefix.Length] == '0' && name.Length > prefix.Length + 2))
        {
            return false;
        }

        vector = IsaIrqVector(irq);
        return true;
    }

    /// <summary>True when <paramref name="vector"/> is 0..255.</summary>
    public static bool IsValid(int vector) => (uint)vector < NrVectors;

    /// <summary>The interrupt priority class of a vector (bits 7:4), as the local APIC uses it (SDM §11.8.3).</summary>
    public static int PriorityClass(int vector) => (vector >> 4) & 0xF;
}
