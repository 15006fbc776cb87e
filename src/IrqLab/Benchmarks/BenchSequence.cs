namespace IrqLab.Benchmarks;

/// <summary>
/// The seeded vector sequences the kernels run over (the same bytes are handed to the native reference). SplitMix64,
/// so the sequence depends only on the seed, never on the runtime's <see cref="Random"/> implementation.
/// </summary>
internal static class BenchSequence
{
    /// <summary>Default length of a sequence: one pass of a kernel's loop.</summary>
    public const int DefaultLength = 4096;

    /// <summary>Default seed.</summary>
    public const ulong DefaultSeed = 0x1A2B_3C4D_5E6F_7081;

    /// <summary><paramref name="length"/> vectors drawn uniformly from <paramref name="alphabet"/>.</summary>
    public static byte[] Create(ulong seed, int length, ReadOnlySpan<byte> alphabet)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if (alphabet.IsEmpty)
        {
            throw new ArgumentException("empty alphabet", nameof(alphabet));
        }

        var result = new byte[length];
        var state = seed;
        for (var i = 0; i < length; i++)
        {
            result[i] = alphabet[(int)(Next(ref state) % (ulong)alphabet.Length)];
        }

        return result;
    }

    /// <summary><paramref name="length"/> vectors drawn uniformly from <paramref name="first"/>..<paramref name="last"/>.</summary>
    public static byte[] CreateRange(ulong seed, int length, int first, int last)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first, last);
        var alphabet = new byte[last - first + 1];
        for (var v = first; v <= last; v++)
        {
            alphabet[v - first] = (byte)v;
        }

        return Create(seed, length, alphabet);
    }

    private static ulong Next(ref ulong state)
    {
        var z = state += 0x9E37_79B9_7F4A_7C15;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        return z ^ (z >> 31);
    }
}
