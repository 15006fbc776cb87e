using System.Runtime.Intrinsics;
using CsCheck;
using IrqLab.Simulation;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// <see cref="PortableLog"/>: the natural logarithm the exponential draws use, computed from IEEE-754 basic operations
/// only (so the same bits on every libm), within a few units in the last place of the exact value.
/// </summary>
public sealed class PortableLogTests
{
    /// <summary>Distance in units in the last place between two finite doubles of the same sign.</summary>
    private static long Ulps(double a, double b) =>
        Math.Abs(BitConverter.DoubleToInt64Bits(a) - BitConverter.DoubleToInt64Bits(b));

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(2.0, 0.69314718055994530942)]
    [InlineData(0.5, -0.69314718055994530942)]
    [InlineData(0.25, -1.3862943611198906188)]
    [InlineData(0.1, -2.3025850929940456840)]
    [InlineData(0.70710678118654752440, -0.34657359027997265471)]
    [InlineData(1.1102230246251565e-16, -36.736800569677101399)] // 2^-53, the smallest 1 - u the draws pass
    public void Known_values(double x, double expected)
    {
        var ln = PortableLog.Log(x);
        if (expected == 0)
        {
            Assert.Equal(0.0, ln); // ln 1 = 0 exactly: f = 0, s = 0
        }
        else
        {
            Assert.True(Ulps(ln, expected) <= 2, $"ln({x:R}) = {ln:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void Within_two_ulps_of_the_C_library_on_the_draws_domain()
    {
        // The draws pass 1 - u for u a multiple of 2^-53 in [0, 1): every such value, spread over all binades.
        Gen.ULong.Sample(r =>
        {
            var u = (r >> 11) * (1.0 / (1UL << 53));
            var x = 1.0 - u;
            var ln = PortableLog.Log(x);
            Assert.True(Ulps(ln, Math.Log(x)) <= 2, $"ln({x:R}) = {ln:R}, libm {Math.Log(x):R}");
        }, iter: 200_000);
    }

    [Fact]
    public void Within_two_ulps_of_the_C_library_on_positive_normal_numbers()
    {
        Gen.Double[double.Epsilon, double.MaxValue].Where(x => double.IsNormal(x)).Sample(x =>
        {
            var ln = PortableLog.Log(x);
            Assert.True(Ulps(ln, Math.Log(x)) <= 2 || Math.Abs(ln - Math.Log(x)) <= 4 * double.Epsilon,
                $"ln({x:R}) = {ln:R}, libm {Math.Log(x):R}");
        }, iter: 100_000);
    }

    [Fact]
    public void Four_at_a_time_equals_one_at_a_time()
    {
        Gen.Select(Gen.Double[1e-300, 1.0], Gen.Double[1e-300, 1.0], Gen.Double[1e-300, 1.0], Gen.Double[1e-300, 1.0]).Sample(t =>
        {
            var (a, b, c, d) = t;
            var v = PortableLog.Log(Vector256.Create(a, b, c, d));
            Assert.Equal(PortableLog.Log(a), v.GetElement(0));
            Assert.Equal(PortableLog.Log(b), v.GetElement(1));
            Assert.Equal(PortableLog.Log(c), v.GetElement(2));
            Assert.Equal(PortableLog.Log(d), v.GetElement(3));
        });
    }

    [Fact]
    public void Exponential_gaps_have_the_requested_mean()
    {
        // Inverse transform sampling: -ln(U) is Exp(1); 200,000 draws with mean 1000 ns land within 1 % of it
        // (the standard error is 1000 / sqrt(200000) = 2.2 ns).
        var random = new DeterministicRandom(1, 1);
        double sum = 0;
        const int n = 200_000;
        for (var i = 0; i < n; i++)
        {
            sum += random.NextExponential(1000);
        }

        Assert.InRange(sum / n, 990, 1010);
    }
}
