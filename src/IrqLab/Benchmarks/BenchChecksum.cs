namespace IrqLab.Benchmarks;

/// <summary>FNV-1a over 64-bit words: the fold both the C# kernels and the native reference apply to their final state.</summary>
internal static class BenchChecksum
{
    /// <summary>The FNV-1a 64-bit offset basis.</summary>
    public const ulong Init = 0xcbf29ce484222325;

    /// <summary>Folds one word into <paramref name="h"/>.</summary>
    public static ulong Fold(ulong h, ulong v) => unchecked((h ^ v) * 0x100000001b3);
}
