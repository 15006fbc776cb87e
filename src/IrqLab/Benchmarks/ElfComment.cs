using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace IrqLab.Benchmarks;

/// <summary>
/// Reads the <c>.comment</c> section of a 64-bit little-endian ELF file: the NUL-separated strings in which compilers
/// record themselves (<c>"GCC: (Debian 12.2.0-14) 12.2.0"</c>, <c>"clang version 17.0.6"</c>), one per distinct string
/// of the objects linked (the linker merges equal ones). System V ABI, "ELF Header" and "Sections": <c>e_shoff</c>,
/// <c>e_shentsize</c>, <c>e_shnum</c> and <c>e_shstrndx</c> locate the section headers and the section-name string
/// table; <c>e_shnum</c> 0 and <c>e_shstrndx</c> SHN_XINDEX defer to section 0's <c>sh_size</c> and <c>sh_link</c>.
/// </summary>
internal static class ElfComment
{
    private const int SectionHeaderSize = 64;
    private const ushort ShnXindex = 0xFFFF;

    /// <summary>Larger name tables or comments than this are not a compiler's note; they are not read.</summary>
    private const long MaxSectionBytes = 1 << 20;

    /// <summary>
    /// The strings of the <c>.comment</c> section of the file at <paramref name="path"/>, in file order without empty
    /// ones; empty when the file is unreadable, not an ELF64 little-endian file, malformed, or has no such section.
    /// </summary>
    public static IReadOnlyList<string> Read(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path);
            return ReadComment(handle) ?? [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static List<string>? ReadComment(SafeFileHandle file)
    {
        var length = RandomAccess.GetLength(file);
        Span<byte> header = stackalloc byte[Elf64Ident.HeaderSize];
        if (!ReadAt(file, length, 0, header) || !Elf64Ident.IsElf64Lsb(header))
        {
            return null;
        }

        var shoff = BinaryPrimitives.ReadUInt64LittleEndian(header[0x28..]);
        var shentsize = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3A..]);
        long shnum = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3C..]);
        long shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3E..]);
        if (shoff == 0 || shoff > (ulong)length || shentsize < SectionHeaderSize)
        {
            return null;
        }

        Span<byte> section = stackalloc byte[SectionHeaderSize];
        if (shnum == 0 || shstrndx == ShnXindex)
        {
            if (!ReadAt(file, length, (long)shoff, section))
            {
                return null;
            }

            shnum = shnum == 0 ? (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(section[32..]), int.MaxValue) : shnum;
            shstrndx = shstrndx == ShnXindex ? BinaryPrimitives.ReadUInt32LittleEndian(section[40..]) : shstrndx;
        }

        if (shstrndx >= shnum || !ReadAt(file, length, (long)shoff + (shstrndx * shentsize), section)
            || ReadSection(file, length, section) is not { } names)
        {
            return null;
        }

        for (long i = 0; i < shnum; i++)
        {
            if (!ReadAt(file, length, (long)shoff + (i * shentsize), section))
            {
                return null;
            }

            var name = BinaryPrimitives.ReadUInt32LittleEndian(section);
            if (NameIs(names, name, ".comment"u8))
            {
                return ReadSection(file, length, section) is { } comment ? Strings(comment) : null;
            }
        }

        return null;
    }

    /// <summary>The bytes a section header's <c>sh_offset</c> and <c>sh_size</c> name, or null past the file's end.</summary>
    private static byte[]? ReadSection(SafeFileHandle file, long length, ReadOnlySpan<byte> sectionHeader)
    {
        var offset = BinaryPrimitives.ReadUInt64LittleEndian(sectionHeader[24..]);
        var size = BinaryPrimitives.ReadUInt64LittleEndian(sectionHeader[32..]);
        if (size > MaxSectionBytes || offset > (ulong)length)
        {
            return null;
        }

        var bytes = new byte[size];
        return ReadAt(file, length, (long)offset, bytes) ? bytes : null;
    }

    private static bool ReadAt(SafeFileHandle file, long length, long offset, Span<byte> buffer)
    {
        if (offset < 0 || offset > length - buffer.Length)
        {
            return false;
        }

        var done = 0;
        while (done < buffer.Length)
        {
            var n = RandomAccess.Read(file, buffer[done..], offset + done);
            if (n == 0)
            {
                return false;
            }

            done += n;
        }

        return true;
    }

    private static bool NameIs(byte[] names, uint offset, ReadOnlySpan<byte> wanted)
    {
        if (offset >= names.Length)
        {
            return false;
        }

        var rest = names.AsSpan((int)offset);
        var end = rest.IndexOf((byte)0);
        return (end < 0 ? rest : rest[..end]).SequenceEqual(wanted);
    }

    private static List<string> Strings(byte[] comment)
    {
        var strings = new List<string>();
        foreach (var range in ((ReadOnlySpan<byte>)comment).Split((byte)0))
        {
            var text = comment.AsSpan(range);
            if (!text.IsEmpty)
            {
                strings.Add(Encoding.UTF8.GetString(text).Trim());
            }
        }

        return strings;
    }
}
