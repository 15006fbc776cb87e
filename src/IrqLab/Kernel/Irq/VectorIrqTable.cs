namespace IrqLab.Kernel.Irq;

/// <summary>One CPU's <c>vector_irq[NR_VECTORS]</c>: descriptor or sentinel per vector.</summary>
public sealed class VectorIrqTable
{
    private readonly IrqDesc?[] _desc = new IrqDesc?[256];
    private readonly VectorIrqKind[] _kind = new VectorIrqKind[256];

    /// <summary>The descriptor slots (256; null for a sentinel): <c>common_interrupt()</c> reads them directly.</summary>
    internal IrqDesc?[] Descs => _desc;

    /// <summary>The slot's kind.</summary>
    public VectorIrqKind KindOf(int vector) => _kind[vector];

    /// <summary>The slot's descriptor, or null for a sentinel.</summary>
    public IrqDesc? DescOf(int vector) => _desc[vector];

    /// <summary>Stores a descriptor (<c>chip_data_update()</c>).</summary>
    public void SetDesc(int vector, IrqDesc desc)
    {
        _desc[vector] = desc;
        _kind[vector] = VectorIrqKind.Desc;
    }

    /// <summary>Stores a sentinel (<see cref="VectorIrqKind.Unused"/>, <see cref="VectorIrqKind.Shutdown"/>, <see cref="VectorIrqKind.Retriggered"/>).</summary>
    public void SetSentinel(int vector, VectorIrqKind kind)
    {
        if (kind == VectorIrqKind.Desc)
        {
            throw new ArgumentException("use SetDesc for a descriptor", nameof(kind));
        }

        _desc[vector] = null;
        _kind[vector] = kind;
    }
}
