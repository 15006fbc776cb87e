namespace IrqLab.Benchmarks;

/// <summary>How <see cref="BenchRunner.Run"/> measures.</summary>
public sealed class BenchOptions
{
    /// <summary>Short warm-up and few, short rounds (a few seconds in all) instead of the full run.</summary>
    public bool Quick { get; init; }

    /// <summary>
    /// The native reference library. Null: the <c>IRQLAB_NATIVE_LIB</c> environment variable, else
    /// <c>bench/native/build/libirqlab_native.so</c> of the repository, built with cmake when missing.
    /// </summary>
    public string? NativeLibraryPath { get; init; }

    /// <summary>Progress and setup messages (which library, whether it was built), or null for none.</summary>
    public TextWriter? Log { get; init; }
}
