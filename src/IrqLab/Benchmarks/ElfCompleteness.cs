using System.Buffers.Binary;
using System.Globalization;

namespace IrqLab.Benchmarks;

/// <summary>
/// Checks that a 64-bit little-endian ELF file holds all the bytes its headers describe, before it is handed to the
/// dynamic loader. <c>dlopen</c> maps each PT_LOAD segment from the file without checking it against the file's length;
/// a library cut short (a link interrupted or still running at the library's final path, as the manual build of
/// bench/README.md does, or a copy onto a full disk) then has pages past the end of the file, and touching them while
/// relocating raises SIGBUS, which kills the process with no message (exit 135) instead of the setup error
/// (exit 2) of docs/cli.md.
/// </summary>
internal static class ElfCompleteness
{
    private const int ProgramHeaderSize = 56;
    private const uint PtLoad = 1;

    /// <summary>
    /// Why the file at <paramref name="path"/> is an incomplete ELF64 image (the byte count its headers need against
    /// its length), or null when it is complete or not an ELF64 little-endian file at all (the loader judges those).
    /// </summary>
    public static string? Problem(string path)
    {
        try
        {
            return Check(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // unreadable: the loader says why
        }
    }

    private static string? Check(string path)
    {
        using var file = File.OpenRead(path);
        var length = file.Length;
        Span<byte> header = stackalloc byte[Elf64Ident.HeaderSize];
        if (file.ReadAtLeast(header, 4, throwOnEndOfStream: false) < 4 || !Elf64Ident.HasMagic(header))
        {
            return null;
        }

        if (length < Elf64Ident.HeaderSize)
        {
            return Describe(length, Elf64Ident.HeaderSize, "the ELF header");
        }

        file.Position = 0;
        file.ReadExactly(header);
        if (!Elf64Ident.IsElf64Lsb(header))
        {
            return null;
        }

        var phoff = BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]);
        var shoff = BinaryPrimitives.ReadUInt64LittleEndian(header[0x28..]);
        var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(header[0x36..]);
        var phnum = BinaryPrimitives.ReadUInt16LittleEndian(header[0x38..]);
        var shentsize = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3A..]);
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3C..]);
        var phEnd = phoff + ((ulong)phentsize * phnum);
        if (phEnd > (ulong)length)
        {
            return Describe(length, phEnd, "its program headers");
        }

        if (shoff != 0 && shoff + ((ulong)shentsize * shnum) > (ulong)length)
        {
            return Describe(length, shoff + ((ulong)shentsize * shnum), "its section headers");
        }

        if (phentsize < ProgramHeaderSize)
        {
            return null;
        }

        Span<byte> ph = stackalloc byte[ProgramHeaderSize];
        for (var i = 0; i < phnum; i++)
        {
            file.Position = (long)(phoff + ((ulong)i * phentsize));
            file.ReadExactly(ph);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != PtLoad)
            {
                continue;
            }

            var end = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]) + BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]);
            if (end > (ulong)length)
            {
                return Describe(length, end, "a loadable segment");
            }
        }

        return null;
    }

    private static string Describe(long length, ulong needed, string what) =>
        string.Create(CultureInfo.InvariantCulture, $"it is cut short: {length} bytes, where {what} end at byte {needed}");
}
