namespace IrqLab.Scenarios.Model;

/// <summary>A bare-mode handler (SCENARIOS.md §6): runs <see cref="Do"/>, then returns (IRET / ERETS).</summary>
public sealed record HandlerSpec
{
    /// <summary>The vector whose IDT gate (or FRED dispatch) reaches this handler.</summary>
    public int Vector { get; init; }

    /// <summary>Actions in order.</summary>
    public IReadOnlyList<Step> Do { get; init; } = [];

    /// <summary>Where it is written.</summary>
    public SourceMark Mark { get; init; }
}
