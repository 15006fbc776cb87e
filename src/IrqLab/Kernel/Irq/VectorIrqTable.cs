namespace IrqLab.Kernel.Irq;

/// <summary>One CPU's <c>vector_irq[NR_VECTORS]</c>: descriptor or sentinel per vector.</summary>
public sealed class VectorIrqTable
{
    private const int NrVectors = 256;

    // The descriptor slots live in a block of 256 of an array shared by all CPUs (the kernel model's flat
    // vector_irq[cpu][vector]), so common_interrupt() finds a descriptor with one load, as the C per-CPU array does.
    private readonly IrqDesc?[] _desc;
    private readonly int _base;
    private readonly VectorIrqKind[] _kind = new VectorIrqKind[NrVectors];

    /// <summary>A table with its own 256 slots.</summary>
    public VectorIrqTable()
        : this(new IrqDesc?[NrVectors], 0)
    {
    }

    /// <summary>A table whose slots are <paramref name="shared"/>[<paramref name="first"/> .. <paramref name="first"/> + 255].</summary>
    internal VectorIrqTable(IrqDesc?[] shared, int first)
    {
        if (first < 0 || first > shared.Length - NrVectors)
        {
            throw new ArgumentOutOfRangeException(nameof(first), first, "the table needs 256 slots");
        }

        _desc = shared;
        _base = first;
    }

    /// <summary>The slot's kind.</summary>
    public VectorIrqKind KindOf(int vector) => _kind[vector];

    /// <summary>The slot's descriptor, or null for a sentinel.</summary>
    public IrqDesc? DescOf(int vector) => _desc[Slot(vector)];

    /// <summary>Stores a descriptor (<c>chip_data_update()</c>).</summary>
    public void SetDesc(int vector, IrqDesc desc)
    {
        _desc[Slot(vector)] = desc;
        _kind[vector] = VectorIrqKind.Desc;
    }

    private int Slot(int vector) => (uint)vector < NrVectors ? _base + vector : throw new ArgumentOutOfRangeException(nameof(vector));

    /// <summary>Stores a sentinel (<see cref="VectorIrqKind.Unused"/>, <see cref="VectorIrqKind.Shutdown"/>, <see cref="VectorIrqKind.Retriggered"/>).</summary>
    public void SetSentinel(int vector, VectorIrqKind kind)
    {
        if (kind == VectorIrqKind.Desc)
        {
            throw new ArgumentException("use SetDesc for a descriptor", nameof(kind));
        }

        _desc[Slot(vector)] = null;
        _kind[vector] = kind;
    }
}
