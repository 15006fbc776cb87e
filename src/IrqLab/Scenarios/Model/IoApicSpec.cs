namespace IrqLab.Scenarios.Model;

/// <summary>One IOAPIC of <c>machine.ioapics</c>.</summary>
public sealed record IoApicSpec
{
    /// <summary>IOAPIC ID.</summary>
    public int Id { get; init; }

    /// <summary>Number of pins (redirection entries).</summary>
    public int Pins { get; init; } = 24;

    /// <summary>Where it is written.</summary>
    public SourceMark Mark { get; init; }
}
