namespace IrqLab.Scenarios.Model;

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
