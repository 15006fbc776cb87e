using System.Collections.Immutable;
using System.Globalization;

namespace IrqLab.Delivery;

/// <summary>
/// The IDT of a bare-mode scenario (SCENARIOS.md §6): a present DPL-0 interrupt gate for each listed vector, not-present
/// gates everywhere else — so an unlisted vector raises #NP, which may end in #DF or a triple fault. Gate offsets are
/// <see cref="HandlerBase"/> + vector * 16, and the handler of a gate is named <c>vector_0xNN</c>.
/// </summary>
public static class BareIdt
{
    /// <summary>Code-segment selector of the bare handlers.</summary>
    public const ushort Selector = 0x08;

    /// <summary>Base of the fake handler addresses.</summary>
    public const ulong HandlerBase = 0xFFFF_FFFF_C000_0000;

    private static readonly ImmutableArray<string> s_names =
        [.. Enumerable.Range(0, 256).Select(v => string.Create(CultureInfo.InvariantCulture, $"vector_0x{v:x2}"))];

    /// <summary>Builds the table for the listed vectors (duplicates are harmless).</summary>
    public static Idt Build(IEnumerable<int> handledVectors)
    {
        ArgumentNullException.ThrowIfNull(handledVectors);
        var idt = new Idt();
        for (var v = 0; v < 256; v++)
        {
            idt[v] = new GateDescriptor(HandlerBase + (ulong)(v * 16), Selector, 0, GateType.Interrupt, 0, false);
        }

        foreach (var v in handledVectors)
        {
            idt[v] = idt[v] with { Present = true };
        }

        return idt;
    }

    /// <summary>The bare handler name of <paramref name="vector"/>: <c>vector_0x</c> and two lowercase hex digits.</summary>
    public static string HandlerName(int vector) =>
        (uint)vector < 256
            ? s_names[vector]
            : throw new ArgumentOutOfRangeException(nameof(vector), vector, "vectors are 0..255");

    /// <summary>The vector whose handler <paramref name="gate"/> points at, or -1 for a foreign offset.</summary>
    public static int VectorOf(GateDescriptor gate)
    {
        var delta = gate.Offset - HandlerBase;
        return gate.Offset >= HandlerBase && delta < 256 * 16 && delta % 16 == 0 ? (int)(delta / 16) : -1;
    }
}
