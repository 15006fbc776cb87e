namespace IrqLab.Tests.Simulation;

/// <summary>
/// SplitMix64 for the differential property tests: the sequence of a seed never changes across .NET versions
/// (unlike System.Random), so a printed seed replays the same scenario.
/// </summary>
internal sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A number in [0, n).</summary>
    public int Int(int n)
    {
        _state += 0x9E37_79B9_7F4A_7C15UL;
        var z = _state;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        z ^= z >> 31;
        return (int)(z % (ulong)n);
    }
}
