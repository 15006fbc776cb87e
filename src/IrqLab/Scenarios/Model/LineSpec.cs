namespace IrqLab.Scenarios.Model;

/// <summary>A device's wired interrupt line.</summary>
public sealed record LineSpec
{
    /// <summary>IOAPIC index (the <c>ioapic:</c> key), when wired to an IOAPIC.</summary>
    public int? IoApic { get; init; }

    /// <summary>IOAPIC pin.</summary>
    public int Pin { get; init; }

    /// <summary>ISA IRQ (the <c>isa:</c> key), when wired to the 8259 (and, in the PC wiring, the IOAPIC).</summary>
    public int? Isa { get; init; }

    /// <summary>edge (default) or level.</summary>
    public Hardware.TriggerMode Trigger { get; init; } = Hardware.TriggerMode.Edge;

    /// <summary>high (default) or low.</summary>
    public Polarity Polarity { get; init; } = Polarity.High;

    /// <summary>Where the line is written.</summary>
    public SourceMark Mark { get; init; }
}
