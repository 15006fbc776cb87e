namespace IrqLab.Hardware.Apic;

/// <summary>Construction options of a <see cref="LocalApic"/> (SCENARIOS.md §4 machine settings).</summary>
public sealed record LocalApicOptions
{
    /// <summary>APIC timer input clock before the divider, in Hz (default 1 GHz).</summary>
    public long TimerHz { get; init; } = 1_000_000_000;

    /// <summary>TSC frequency in Hz: TSC = floor(t_ns * TscHz / 1e9) (default 1 GHz).</summary>
    public long TscHz { get; init; } = 1_000_000_000;

    /// <summary>Start in x2APIC mode (EN = EXTD = 1) instead of xAPIC mode.</summary>
    public bool X2Apic { get; init; }

    /// <summary>
    /// Start as Linux leaves the APIC after <c>setup_local_apic</c>: SVR 0x1FF, LINT0 ExtINT masked, LINT1 NMI
    /// (unmasked on CPU 0 only), LVT error vector 0xFE, LVT timer vector 0xEC masked, and in xAPIC mode the LDR
    /// chosen by <see cref="LinuxLogicalFlat"/>. Otherwise the power-up reset state plus SVR = 0x1FF.
    /// </summary>
    public bool LinuxInit { get; init; }

    /// <summary>
    /// With <see cref="LinuxInit"/> in xAPIC mode: Linux runs the logical "flat" APIC driver, whose
    /// <c>default_init_apic_ldr</c> sets LDR = 1 &lt;&lt; (24 + cpu) (DFR flat) on the first 8 CPUs. That is Linux 6.1-6.10
    /// with at most 8 possible CPUs (<c>apic_flat_64.c</c>: <c>physflat_probe</c> wins above 8). False: the
    /// "physical flat" driver, which never writes LDR (it keeps its reset value 0); mainline Linux 6.12 removed logical
    /// destination mode for 64-bit ("x86/apic: Remove logical destination mode for 64-bit"), so physflat is all
    /// that is left. Default true (the flat LDR, as before this option existed).
    /// </summary>
    public bool LinuxLogicalFlat { get; init; } = true;
}
