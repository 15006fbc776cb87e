using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace IrqLab.Simulation;

/// <summary>
/// The natural logarithm the exponential draws use, computed from IEEE-754 additions, multiplications, fused
/// multiply-adds and one division only, so that it gives the same bits on every machine and runtime (<see cref="Math.Log(double)"/>
/// calls the C library, whose last bit differs between libm implementations), four values at a time.
/// </summary>
/// <remarks>
/// <para>x = 2^k · m with m in [√½, √2); with f = m − 1 and s = f / (2 + f), ln m = 2·atanh(s) =
/// 2s·(1 + s²/3 + s⁴/5 + …). |s| ≤ 3 − 2√2 &lt; 0.1716, so s² &lt; 0.0295 and the series stops at s¹⁸/19: the first term
/// left out, s²⁰/21, is below 2.5·10⁻¹⁷ of the sum, under half a unit in the last place. ln x = k·ln2 + ln m, with ln 2
/// split into a high part whose product with k is exact and a low part added first.</para>
/// <para>Within a few units in the last place of the exact logarithm (a test checks it against <see cref="Math.Log(double)"/>);
/// the domain is positive normal numbers, which is every value the draws pass (1 − u with u in [0, 1): 2⁻⁵³ … 1).</para>
/// </remarks>
internal static class PortableLog
{
    /// <summary>The bits of √½: mantissas are reduced into [√½, √2).</summary>
    private const ulong SqrtHalfBits = 0x3FE6A09E667F3BCD;

    /// <summary>Exponent bias added before the logical shift, so that k + 1024 is never negative.</summary>
    private const ulong KBias = 1024UL << 52;

    /// <summary>2⁵² + 1024: a double whose mantissa holds k + 1024 minus this is k, exactly.</summary>
    private const double KMagic = 4503599627371520.0;

    /// <summary>The bits of 2⁵² as a double; OR'ed with k + 1024 (below 2¹¹) gives 2⁵² + k + 1024.</summary>
    private const ulong TwoPow52Bits = 0x4330000000000000;

    /// <summary>ln 2, high part: 32 significant bits, so k · <see cref="Ln2Hi"/> is exact for |k| &lt; 2²¹.</summary>
    private static readonly double Ln2Hi = BitConverter.UInt64BitsToDouble(0x3FE62E42FEE00000);

    /// <summary>ln 2 − <see cref="Ln2Hi"/>.</summary>
    private static readonly double Ln2Lo = BitConverter.UInt64BitsToDouble(0x3DEA39EF35793C76);

    /// <summary>ln x for a positive normal <paramref name="x"/>.</summary>
    public static double Log(double x) => Log(Vector256.Create(x)).GetElement(0);

    /// <summary>ln of each element of <paramref name="x"/> (each a positive normal number).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Log(Vector256<double> x)
    {
        var bits = x.AsUInt64();
        var kBiased = Vector256.ShiftRightLogical(bits - Vector256.Create(SqrtHalfBits) + Vector256.Create(KBias), 52);
        var m = (bits - Vector256.ShiftLeft(kBiased, 52) + Vector256.Create(KBias)).AsDouble();
        var k = (kBiased | Vector256.Create(TwoPow52Bits)).AsDouble() - Vector256.Create(KMagic);

        var f = m - Vector256<double>.One;
        var s = f / (Vector256.Create(2.0) + f);
        var z = s * s;

        // 1/3 + z/5 + z²/7 + … + z⁸/19, by Horner's rule.
        var p = Vector256.Create(1.0 / 19);
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(1.0 / 17));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(1.0 / 15));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(1.0 / 13));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(1.0 / 11));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(1.0 / 9));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(1.0 / 7));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(1.0 / 5));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(1.0 / 3));

        var twoS = s + s;
        var lnM = Vector256.FusedMultiplyAdd(twoS * z, p, twoS);
        return Vector256.FusedMultiplyAdd(k, Vector256.Create(Ln2Hi), Vector256.FusedMultiplyAdd(k, Vector256.Create(Ln2Lo), lnM));
    }
}
