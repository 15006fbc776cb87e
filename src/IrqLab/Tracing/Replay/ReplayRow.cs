namespace IrqLab.Tracing.Replay;

/// <summary>Counts and rates of one /proc/interrupts row over the replayed interval.</summary>
/// <param name="Row">The row label (<c>LOC</c>, <c>27</c>).</param>
/// <param name="Name">Actions, description or event names shown beside the row, or null.</param>
/// <param name="Counts">Events in the interval per CPU, in <see cref="ReplayReport.Cpus"/> order (fewer entries for rows printing fewer, e.g. <c>ERR</c>).</param>
/// <param name="Rates">Events per second per CPU, aligned with <paramref name="Counts"/>.</param>
/// <param name="Total">Sum of <paramref name="Counts"/>.</param>
/// <param name="TotalRate">Sum of <paramref name="Rates"/>.</param>
public sealed record ReplayRow(string Row, string? Name, IReadOnlyList<ulong> Counts, IReadOnlyList<double> Rates, ulong Total, double TotalRate);
