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

    /// <summary><c>APIC_LVTT</c>: the LVT timer entry.</summary>
    public const int Lvtt = 0x320;

    /// <summary><c>APIC_LVTTHMR</c>: the LVT thermal sensor entry.</summary>
    public const int Lvtthmr = 0x330;

    /// <summary><c>APIC_LVTPC</c>: the LVT performance-monitoring counter entry.</summary>
    public const int Lvtpc = 0x340;

    /// <summary><c>APIC_LVT0</c>: the LVT LINT0 entry.</summary>
    public const int Lvt0 = 0x350;

    /// <summary><c>APIC_LVT1</c>: the LVT LINT1 entry.</summary>
    public const int Lvt1 = 0x360;

    /// <summary><c>APIC_LVTERR</c>: the LVT error entry.</summary>
    public const int Lvterr = 0x370;

    /// <summary><c>APIC_LVT_MASKED</c>: LVT bit 16, the mask.</summary>
    public const uint LvtMasked = 1u << 16;

    /// <summary><c>ERROR_APIC_VECTOR</c> (0xfe), which <c>clear_local_APIC()</c> puts in LVTERR while it masks.</summary>
    public const uint ErrorApicVector = 0xFE;

    /// <summary><c>GET_APIC_MAXLVT(x)</c>: the max LVT entry field of an <see cref="Lvr"/> value.</summary>
    public static int GetMaxLvt(uint lvr) => (int)((lvr >> 16) & 0xFF);
}
