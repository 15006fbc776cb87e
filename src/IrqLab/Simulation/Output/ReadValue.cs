namespace IrqLab.Simulation.Output;

/// <summary>A value recorded by a <c>read</c> step: a number, or a vector list for apic.isr/irr/tmr.</summary>
/// <param name="Scalar">The number, when not a list.</param>
/// <param name="List">The list, when a list.</param>
public sealed record ReadValue(ulong Scalar, IReadOnlyList<int>? List)
{
    /// <summary>Formats as the JSON shows it.</summary>
    public override string ToString() =>
        List is null ? Scalar.ToString(System.Globalization.CultureInfo.InvariantCulture) : "[" + string.Join(", ", List) + "]";
}
