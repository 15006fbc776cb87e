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

/// <summary>Linux-mode <c>handler: {returns, cost}</c>.</summary>
public sealed record DeviceHandlerSpec
{
    /// <summary>handled, none or wake_thread.</summary>
    public HandlerReturn Returns { get; init; } = HandlerReturn.Handled;

    /// <summary>Simulated time the handler takes, in ns.</summary>
    public long CostNs { get; init; }
}

/// <summary><c>msi:</c> or <c>msix:</c>: either kernel-allocated vectors (linux) or a programmed message (bare).</summary>
public sealed record MsiSpec
{
    /// <summary>Number of vectors/messages (linux mode: the kernel allocates them).</summary>
    public int Vectors { get; init; } = 1;

    /// <summary>Requested CPU affinity per vector (linux mode), may be empty.</summary>
    public IReadOnlyList<int> Affinity { get; init; } = [];

    /// <summary>Programmed message address (bare mode).</summary>
    public ulong? Address { get; init; }

    /// <summary>Programmed message data (bare mode).</summary>
    public uint? Data { get; init; }

    /// <summary>Where it is written.</summary>
    public SourceMark Mark { get; init; }
}
