namespace IrqLab.Benchmarks;

/// <summary>How long to warm up and measure each kernel.</summary>
/// <param name="Warmup">Minimum warm-up time of the C# kernel (lets tiered compilation promote the hot methods).</param>
/// <param name="Rounds">Measured rounds per side (C# and native alternate); the report gives the best round.</param>
/// <param name="Round">Target duration of one round.</param>
internal readonly record struct BenchPlan(TimeSpan Warmup, int Rounds, TimeSpan Round)
{
    /// <summary><c>--quick</c>: about half a second per kernel.</summary>
    public static BenchPlan Quick => new(TimeSpan.FromMilliseconds(250), 40, TimeSpan.FromMilliseconds(2));

    /// <summary>The full run: about two seconds per kernel.</summary>
    public static BenchPlan Full => new(TimeSpan.FromMilliseconds(1000), 250, TimeSpan.FromMilliseconds(2));
}
