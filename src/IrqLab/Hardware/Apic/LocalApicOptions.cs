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
    /// (unmasked on CPU 0 only), LVT error vector 0xFE, LVT timer vector 0xEC masked, flat LDR = 1 &lt;&lt; cpu for
    /// the first 8 CPUs in xAPIC mode. Otherwise the power-up reset state plus SVR = 0x1FF.
    /// </summary>
    public bool LinuxInit { get; init; }
}
