namespace IrqLab.Benchmarks;

/// <summary>
/// The <c>e_ident</c> bytes of an ELF file (System V ABI, "ELF Identification") that the benchmark's ELF readers
/// (<see cref="ElfCompleteness"/>, <see cref="ElfComment"/>) need: the magic, and whether the file is the 64-bit
/// little-endian kind whose header and section/program headers they read.
/// </summary>
internal static class Elf64Ident
{
    /// <summary>The size of the ELF64 header (<c>e_ehsize</c> of every ELF64 file).</summary>
    public const int HeaderSize = 64;

    /// <summary>True when <paramref name="ident"/> starts with <c>ELFMAG</c> ("\x7fELF"; needs 4 bytes).</summary>
    public static bool HasMagic(ReadOnlySpan<byte> ident) =>
        ident.Length >= 4 && ident[0] == 0x7F && ident[1] == (byte)'E' && ident[2] == (byte)'L' && ident[3] == (byte)'F';

    /// <summary>True when <paramref name="ident"/> is ELF magic, ELFCLASS64 and ELFDATA2LSB (needs 6 bytes).</summary>
    public static bool IsElf64Lsb(ReadOnlySpan<byte> ident) =>
        ident.Length >= 6 && HasMagic(ident) && ident[4] == 2 /* ELFCLASS64 */ && ident[5] == 1 /* ELFDATA2LSB */;
}
