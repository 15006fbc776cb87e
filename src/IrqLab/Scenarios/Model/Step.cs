namespace IrqLab.Scenarios.Model;

/// <summary>
/// One operation: a scenario step (SCENARIOS.md §7) or a bare-mode handler action (§6). Steps run in order at the
/// current simulated time; handler actions run on the CPU executing the handler.
/// </summary>
public abstract record Step
{
    /// <summary>Where the step is written.</summary>
    public SourceMark Mark { get; init; }
}
