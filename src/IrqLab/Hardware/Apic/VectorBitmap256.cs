using System.Numerics;

namespace IrqLab.Hardware.Apic;

/// <summary>An immutable 256-bit vector set (IRR, ISR, TMR snapshots): four 64-bit words, bit v = vector v.</summary>
public readonly struct VectorBitmap256 : IEquatable<VectorBitmap256>
{
    private readonly ulong _w0;
    private readonly ulong _w1;
    private readonly ulong _w2;
    private readonly ulong _w3;

    /// <summary>Creates a bitmap from its four words (w0 = vectors 0-63 ... w3 = vectors 192-255).</summary>
    public VectorBitmap256(ulong w0, ulong w1, ulong w2, ulong w3)
    {
        _w0 = w0;
        _w1 = w1;
        _w2 = w2;
        _w3 = w3;
    }

    /// <summary>The empty set.</summary>
    public static VectorBitmap256 Empty => default;

    /// <summary>Word <paramref name="index"/> (0-3) of the bitmap.</summary>
    public ulong Word(int index) => index switch
    {
        0 => _w0,
        1 => _w1,
        2 => _w2,
        3 => _w3,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>The 32-bit APIC register view: register <paramref name="index"/> (0-7) holds vectors 32i..32i+31.</summary>
    public uint Register32(int index) => (uint)(Word(index >> 1) >> (32 * (index & 1)));

    /// <summary>Whether vector <paramref name="v"/> (0-255) is in the set.</summary>
    public bool IsSet(int v) => ((Word(v >> 6) >> (v & 63)) & 1) != 0;

    /// <summary>The highest vector in the set, or -1 if empty.</summary>
    public int Highest()
    {
        if (_w3 != 0)
        {
            return 255 - BitOperations.LeadingZeroCount(_w3);
        }

        if (_w2 != 0)
        {
            return 191 - BitOperations.LeadingZeroCount(_w2);
        }

        if (_w1 != 0)
        {
            return 127 - BitOperations.LeadingZeroCount(_w1);
        }

        return _w0 != 0 ? 63 - BitOperations.LeadingZeroCount(_w0) : -1;
    }

    /// <summary>Number of vectors in the set.</summary>
    public int Count =>
        BitOperations.PopCount(_w0) + BitOperations.PopCount(_w1) + BitOperations.PopCount(_w2) + BitOperations.PopCount(_w3);

    /// <summary>Whether the set is empty.</summary>
    public bool IsEmpty => (_w0 | _w1 | _w2 | _w3) == 0;

    /// <summary>This set plus vector <paramref name="v"/>.</summary>
    public VectorBitmap256 With(int v) => Change(v, true);

    /// <summary>This set minus vector <paramref name="v"/>.</summary>
    public VectorBitmap256 Without(int v) => Change(v, false);

    /// <summary>The vectors in ascending order (allocates; not for hot paths).</summary>
    public int[] ToArray()
    {
        var result = new int[Count];
        var n = 0;
        for (var w = 0; w < 4; w++)
        {
            var bits = Word(w);
            while (bits != 0)
            {
                result[n++] = (w << 6) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
            }
        }

        return result;
    }

    /// <inheritdoc/>
    public bool Equals(VectorBitmap256 other) =>
        _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is VectorBitmap256 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_w0, _w1, _w2, _w3);

    /// <summary>Vectors as a list, e.g. <c>{0x31, 0xEC}</c>.</summary>
    public override string ToString() =>
        "{" + string.Join(", ", Array.ConvertAll(ToArray(), v => "0x" + v.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))) + "}";

    /// <summary>Equality of the two sets.</summary>
    public static bool operator ==(VectorBitmap256 left, VectorBitmap256 right) => left.Equals(right);

    /// <summary>Inequality of the two sets.</summary>
    public static bool operator !=(VectorBitmap256 left, VectorBitmap256 right) => !left.Equals(right);

    private VectorBitmap256 Change(int v, bool set)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(v);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(v, 255);
        Span<ulong> w = [_w0, _w1, _w2, _w3];
        if (set)
        {
            w[v >> 6] |= 1UL << (v & 63);
        }
        else
        {
            w[v >> 6] &= ~(1UL << (v & 63));
        }

        return new VectorBitmap256(w[0], w[1], w[2], w[3]);
    }
}
