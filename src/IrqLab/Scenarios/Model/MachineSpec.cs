namespace IrqLab.Scenarios.Model;

/// <summary>The <c>machine:</c> section (SCENARIOS.md §4).</summary>
public sealed record MachineSpec
{
    /// <summary>Number of CPUs, 1..4096; CPU n has APIC ID n.</summary>
    public int Cpus { get; init; } = 1;

    /// <summary>xapic or x2apic.</summary>
    public ApicMode Apic { get; init; } = ApicMode.XApic;

    /// <summary>APIC timer input clock before the divider.</summary>
    public long ApicTimerHz { get; init; } = 1_000_000_000;

    /// <summary>TSC frequency.</summary>
    public long TscHz { get; init; } = 1_000_000_000;

    /// <summary>IOAPICs; default one with 24 pins.</summary>
    public IReadOnlyList<IoApicSpec> IoApics { get; init; } = [new IoApicSpec { Id = 0, Pins = 24 }];

    /// <summary>8259 pair present.</summary>
    public bool Pic { get; init; } = true;

    /// <summary>NMI watchdog on.</summary>
    public bool NmiWatchdog { get; init; }

    /// <summary>Where the section starts.</summary>
    public SourceMark Mark { get; init; }
}
