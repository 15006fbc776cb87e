namespace IrqLab.Benchmarks;

/// <summary>
/// One benchmark kernel: a fixed piece of model work run over a seeded vector sequence. <see cref="Run"/> is the timed
/// loop (one operation per vector of <see cref="Vectors"/> per iteration); <see cref="Checksum"/> folds the final state
/// so a native counterpart can be checked to do the same work.
/// </summary>
internal abstract class BenchKernel
{
    protected BenchKernel(string name, string? nativeExport, byte[] vectors)
    {
        Name = name;
        NativeExport = nativeExport;
        Vectors = vectors;
    }

    /// <summary>The name in the report (SCENARIOS.md §12).</summary>
    public string Name { get; }

    /// <summary>The native counterpart's export in <c>libirqlab_native.so</c>, or null when there is none.</summary>
    public string? NativeExport { get; }

    /// <summary>The input sequence (also handed to the native counterpart).</summary>
    public byte[] Vectors { get; }

    /// <summary>True when the report gives this kernel's throughput as interrupts per second.</summary>
    public virtual bool IsPipeline => false;

    /// <summary>Runs <paramref name="iterations"/> passes over <see cref="Vectors"/>.</summary>
    public abstract void Run(int iterations);

    /// <summary>FNV-1a fold of the final state, in the order the native counterpart folds it.</summary>
    public abstract ulong Checksum();
}
