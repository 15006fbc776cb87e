namespace IrqLab.Scenarios.Model;

/// <summary>One entry of <c>devices:</c> (SCENARIOS.md §5). Exactly one of <see cref="Line"/>, <see cref="Msi"/>, <see cref="Msix"/> is set.</summary>
public sealed record DeviceSpec
{
    /// <summary>Unique device name; also the action name in /proc/interrupts.</summary>
    public required string Name { get; init; }

    /// <summary>A wired line (IOAPIC pin or ISA IRQ).</summary>
    public LineSpec? Line { get; init; }

    /// <summary>Level lines may be shared with other devices.</summary>
    public bool Shared { get; init; }

    /// <summary>Linux-mode handler behaviour.</summary>
    public DeviceHandlerSpec Handler { get; init; } = new();

    /// <summary>MSI (single or multi message).</summary>
    public MsiSpec? Msi { get; init; }

    /// <summary>MSI-X.</summary>
    public MsiSpec? Msix { get; init; }

    /// <summary>Where the entry starts.</summary>
    public SourceMark Mark { get; init; }
}
