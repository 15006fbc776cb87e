namespace IrqLab.Scenarios.Model;

/// <summary>One entry of <c>workload:</c> (SCENARIOS.md §8).</summary>
public abstract record WorkloadSpec
{
    /// <summary>Where it is written.</summary>
    public SourceMark Mark { get; init; }
}
