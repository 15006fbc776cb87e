using Xunit;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// The soak variables of docs/reliability.md "Running it": a new IRQLAB_FUZZ_SEED must draw fresh inputs. The fuzzers
/// draw PCG seeds base + i for i below the (scaled) iteration count, so two offsets must give disjoint seed ranges.
/// </summary>
public sealed class FuzzSoakSeedTests
{
    /// <summary>Base seeds and iteration counts of the fuzzers (the largest are 3,000 per run), scaled up to 10.</summary>
    [Theory]
    [InlineData(20261126UL, 3000, "8000001", "8000002", "10")]
    [InlineData(51UL, 3000, "1", "2", "4")]
    [InlineData(61UL, 1200, "1000000", "1000001", "20")]
    [InlineData(21UL, 2000, "0", "1", "1")]
    public void Consecutive_seed_offsets_draw_disjoint_inputs(ulong baseSeed, int iterations, string offsetA, string offsetB, string scale)
    {
        var (a, n) = Fuzz.Soak(baseSeed, iterations, offsetA, scale);
        var (b, m) = Fuzz.Soak(baseSeed, iterations, offsetB, scale);
        Assert.Equal(n, m);
        Assert.Equal(Math.Max(1, (int)(iterations * double.Parse(scale, System.Globalization.CultureInfo.InvariantCulture))), n);

        // [a, a + n) and [b, b + n) share no PCG seed.
        var lo = Math.Min(a, b);
        var hi = Math.Max(a, b);
        Assert.True(hi - lo >= (ulong)n, $"offsets {offsetA} and {offsetB} draw overlapping seeds {a}..{a + (ulong)n - 1} and {b}..{b + (ulong)n - 1}");
    }

    [Fact]
    public void Without_the_variables_the_ci_seed_and_count_are_unchanged()
    {
        Assert.Equal((61UL, 1200), Fuzz.Soak(61, 1200, null, null));
        Assert.Equal((61UL, 1200), Fuzz.Soak(61, 1200, "not a number", "-3"));
    }
}
