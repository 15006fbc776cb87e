using System.Numerics;

namespace IrqLab.Virtualization;

/// <summary>Allocation-free helpers for 256-bit vector bitmaps stored as four <see cref="ulong"/> words (bit v = vector v).</summary>
internal static class Bitmap256
{
    /// <summary>Words in a 256-bit bitmap.</summary>
    public const int Words = 4;

    public static bool Test(ulong[] bits, int vector) => (bits[vector >> 6] & (1UL << (vector & 63))) != 0;

    /// <summary>Sets the bit; returns whether it was already set.</summary>
    public static bool TestAndSet(ulong[] bits, int vector)
    {
        ref var word = ref bits[vector >> 6];
        var mask = 1UL << (vector & 63);
        var was = (word & mask) != 0;
        word |= mask;
        return was;
    }

    public static void Clear(ulong[] bits, int vector) => bits[vector >> 6] &= ~(1UL << (vector & 63));

    /// <summary>The highest set vector, or -1 when empty.</summary>
    public static int Highest(ulong[] bits)
    {
        for (var i = Words - 1; i >= 0; i--)
        {
            if (bits[i] != 0)
            {
                return (i << 6) + 63 - BitOperations.LeadingZeroCount(bits[i]);
            }
        }

        return -1;
    }

    public static int Count(ulong[] bits)
    {
        var n = 0;
        for (var i = 0; i < Words; i++)
        {
            n += BitOperations.PopCount(bits[i]);
        }

        return n;
    }

    /// <summary>The set vectors in ascending order (allocates the result).</summary>
    public static int[] ToArray(ulong[] bits)
    {
        var result = new int[Count(bits)];
        var k = 0;
        for (var i = 0; i < Words; i++)
        {
            var w = bits[i];
            while (w != 0)
            {
                result[k++] = (i << 6) + BitOperations.TrailingZeroCount(w);
                w &= w - 1;
            }
        }

        return result;
    }

    public static void CheckVector(int vector)
    {
        if ((uint)vector > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(vector), vector, "vectors are 0..255");
        }
    }
}
