namespace IrqLab.Scenarios.Model;

/// <summary>An expected value: a number, or a list of numbers (for <c>apic.isr</c>-style reads).</summary>
public sealed record ExpectValue
{
    /// <summary>The scalar, when the expectation is a number.</summary>
    public ulong? Scalar { get; init; }

    /// <summary>The list, when the expectation is a list.</summary>
    public IReadOnlyList<ulong>? List { get; init; }

    /// <summary>Formats like the JSON output (<c>65</c> or <c>[65, 66]</c>).</summary>
    public override string ToString() =>
        Scalar is { } s ? s.ToString(System.Globalization.CultureInfo.InvariantCulture) : "[" + string.Join(", ", List ?? []) + "]";
}
