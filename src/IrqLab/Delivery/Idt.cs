namespace IrqLab.Delivery;

/// <summary>
/// An interrupt descriptor table: 256 gates (SDM Vol. 3A §6.10) and IDTR.limit. A new table has every gate not present
/// and the full limit (0xFFF).
/// </summary>
public sealed class Idt
{
    /// <summary>Bytes per 64-bit gate.</summary>
    public const int GateSize = 16;

    private readonly GateDescriptor[] _gates = new GateDescriptor[256];

    /// <summary>Creates an empty table (all gates not present).</summary>
    public Idt()
    {
    }

    /// <summary>IDTR.limit: a vector whose gate ends beyond it raises #GP (SDM 6.10).</summary>
    public ushort Limit { get; set; } = 256 * GateSize - 1;

    /// <summary>The gate of <paramref name="vector"/> (0..255).</summary>
    public GateDescriptor this[int vector]
    {
        get => _gates[CheckVector(vector)];
        set => _gates[CheckVector(vector)] = value;
    }

    /// <summary>True when the gate of <paramref name="vector"/> lies within <see cref="Limit"/>.</summary>
    public bool WithinLimit(int vector) => vector * GateSize + (GateSize - 1) <= Limit;

    private static int CheckVector(int vector)
    {
        if ((uint)vector >= 256)
        {
            throw new ArgumentOutOfRangeException(nameof(vector), vector, "IDT vectors are 0..255");
        }

        return vector;
    }
}
