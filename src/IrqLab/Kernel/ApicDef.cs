namespace IrqLab.Kernel;

/// <summary>
/// The local APIC registers the kernel model reads and writes through <see cref="IKernelPlatform.ApicRead"/> and
/// <see cref="IKernelPlatform.ApicWrite"/>, as <c>arch/x86/include/asm/apicdef.h</c> names them: xAPIC MMIO offsets
/// (the x2APIC driver accesses MSR 0x800 + offset / 16).
/// </summary>
public static class ApicDef
{
    /// <summary><c>APIC_LVR</c>: the version register (version 7:0, max LVT entry 23:16).</summary>
    public const int Lvr = 0x30;

    /// <summary><c>APIC_SPIV</c>: the spurious-interrupt vector register.</summary>
    public const int Spiv = 0xF0;

    /// <summary><c>APIC_SPIV_APIC_ENABLED</c>: SPIV bit 8, APIC software enable.</summary>
    public const uint SpivApicEnabled = 1u << 8;

    /// <summary><c>APIC_ESR</c>: the error status register (write to latch, then read; SDM Vol. 3A §11.5.3).</summary>
    public const int Esr = 0x280;

    /// <summary><c>GET_APIC_MAXLVT(x)</c>: the max LVT entry field of an <see cref="Lvr"/> value.</summary>
    public static int GetMaxLvt(uint lvr) => (int)((lvr >> 16) & 0xFF);
}
