namespace IrqLab.Simulation;

/// <summary>
/// xoshiro256** seeded through SplitMix64 from (scenario seed, stream id): each random source of a run (a device
/// workload, the IPI workload) owns one stream, so adding a source does not change the others' draws. The same
/// seed gives the same numbers on every platform (no <see cref="System.Random"/>, whose algorithm may change).
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    // Lemire's rejection threshold (2^64 mod bound) of the last two bounds asked for (the IPI workload alternates
    // two): the 64-bit division is done once per bound, not once per draw.
    private ulong _boundA;
    private ulong _thresholdA;
    private ulong _boundB;
    private ulong _thresholdB;

    /// <summary>Creates stream <paramref name="stream"/> of <paramref name="seed"/>.</summary>
    public DeterministicRandom(ulong seed, ulong stream)
    {
        var x = seed ^ (stream * 0x9E3779B97F4A7C15UL) ^ 0xD1B54A32D192ED03UL;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        }

        var bound = (ulong)maxExclusive;
        ulong threshold;
        if (bound == _boundA)
        {
            threshold = _thresholdA;
        }
        else if (bound == _boundB)
        {
            threshold = _thresholdB;
        }
        else
        {
            threshold = (0UL - bound) % bound;
            _boundB = _boundA;
            _thresholdB = _thresholdA;
            _boundA = bound;
            _thresholdA = threshold;
        }

        while (true)
        {
            var r = NextUInt64();
            var m = Math.BigMul(r, bound, out var low);
            if (low >= threshold)
            {
                return (int)m;
            }
        }
    }

    /// <summary>
    /// An exponentially distributed interval with the given mean, in ns, not rounded: −ln(u) · <paramref name="meanNs"/>
    /// for u in (0, 1] (inverse transform sampling). Poisson workloads carry its fraction from one arrival to the next.
    /// </summary>
    public double NextExponential(double meanNs) => -PortableLog.Log(1.0 - NextDouble()) * meanNs;
}
