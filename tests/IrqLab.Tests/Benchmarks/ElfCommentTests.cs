using System.Buffers.Binary;
using System.Text;
using IrqLab.Benchmarks;
using Xunit;

namespace IrqLab.Tests.Benchmarks;

/// <summary>
/// The bench's <c>machine.cc</c> (SCENARIOS.md §12) names the compiler that built the native reference, read from the
/// library's ELF <c>.comment</c> section (System V ABI, "Sections"), not whatever <c>cc</c> is on PATH.
/// </summary>
[Collection(NativeReferenceCollection.Name)]
public sealed class ElfCommentTests : IClassFixture<NativeFixture>, IDisposable
{
    private readonly NativeFixture _native;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("irqlab-elf-comment-");

    public ElfCommentTests(NativeFixture native) => _native = native;

    public void Dispose() => _dir.Delete(recursive: true);

    public static TheoryData<string[], string?> Notes => new()
    {
        // gcc -shared: the objects' notes and those of GCC's crti.o/crtbeginS.o, merged by the linker.
        { ["GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"], "gcc 12.2.0" },
        { ["GCC: (GNU) 13.2.1 20231011 (Red Hat 13.2.1-4)"], "gcc 13.2.1" },
        // clang -shared on a GNU system: GCC's start files still bring their GCC note; the library's code is clang's.
        { ["GCC: (Debian 12.2.0-14) 12.2.0", "Debian clang version 14.0.6", "Linker: LLD 14.0.6"], "clang 14.0.6" },
        { ["clang version 17.0.6 (Fedora 17.0.6-1.fc39)", "GCC: (GNU) 13.2.1"], "clang 17.0.6" },
        // No compiler note (stripped of it, or a toolchain that writes none): the caller falls back to cc --version.
        { [], null },
        { ["Linker: LLD 17.0.6"], null },
    };

    [Theory]
    [MemberData(nameof(Notes))]
    public void The_compiler_is_the_one_the_comment_section_names(string[] notes, string? expected)
    {
        var path = Write("lib.so", BuildElf(notes, commentSection: true));
        Assert.Equal(notes, ElfComment.Read(path));
        Assert.Equal(expected, MachineProbe.CompilerOf(ElfComment.Read(path)));
    }

    [Fact]
    public void A_library_without_a_comment_section_has_no_notes_and_the_probe_falls_back_to_cc()
    {
        var path = Write("bare.so", BuildElf([], commentSection: false));
        Assert.Empty(ElfComment.Read(path));
        Assert.Equal(MachineProbe.Probe().Cc, MachineProbe.Probe(path).Cc);
    }

    [Fact]
    public void Extended_section_numbering_is_followed()
    {
        // System V ABI: e_shnum 0 -> the count is section 0's sh_size; e_shstrndx SHN_XINDEX -> section 0's sh_link.
        var elf = BuildElf(["GCC: (GNU) 14.1.0"], commentSection: true);
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3C));
        var shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3E));
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3C), 0);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3E), 0xFFFF);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(shoff + 32), shnum);
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(shoff + 40), shstrndx);
        Assert.Equal(["GCC: (GNU) 14.1.0"], ElfComment.Read(Write("ext.so", elf)));
    }

    public static TheoryData<string> Broken => ["cut in the section headers", "comment past the end", "not ELF", "ELF32", "big-endian", "missing"];

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_file_it_cannot_read_as_ELF64_gives_no_notes_and_no_exception(string how)
    {
        var elf = BuildElf(["GCC: (GNU) 14.1.0"], commentSection: true);
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        var bytes = how switch
        {
            "cut in the section headers" => elf[..(shoff + 100)],
            "comment past the end" => SizePatched(elf, shoff + 128 + 32, (ulong)elf.Length),
            "not ELF" => Encoding.ASCII.GetBytes("GCC: (GNU) 14.1.0 is not an ELF file"),
            "ELF32" => Patched(elf, 4, 1),
            "big-endian" => Patched(elf, 5, 2),
            _ => null,
        };
        var path = bytes is null ? Path.Combine(_dir.FullName, "none.so") : Write("broken.so", bytes);
        Assert.Empty(ElfComment.Read(path));
    }

    [Fact]
    public void The_built_reference_names_its_compiler_and_the_probe_reports_it()
    {
        var notes = ElfComment.Read(_native.Path);
        var compiler = MachineProbe.CompilerOf(notes);
        Assert.NotNull(compiler);
        Assert.Matches(@"^(gcc|clang) \d+(\.\d+)*", compiler);
        Assert.Equal(compiler, MachineProbe.Probe(_native.Path).Cc);
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] SizePatched(byte[] elf, int offset, ulong value)
    {
        var copy = (byte[])elf.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    private static byte[] Patched(byte[] elf, int offset, byte value)
    {
        var copy = (byte[])elf.Clone();
        copy[offset] = value;
        return copy;
    }

    /// <summary>
    /// A minimal ELF64 little-endian file: the header, the section-name table (".shstrtab", ".comment"), the comment's
    /// NUL-terminated notes, then the section headers (null, .shstrtab and, when asked, .comment).
    /// </summary>
    private static byte[] BuildElf(string[] notes, bool commentSection)
    {
        var names = Encoding.ASCII.GetBytes("\0.shstrtab\0.comment\0"); // 21 bytes: ".shstrtab" at 1, ".comment" at 11
        var comment = Encoding.UTF8.GetBytes(string.Concat(notes.Select(n => n + "\0")));
        var namesOffset = 64;
        var commentOffset = namesOffset + names.Length;
        var shoff = (commentOffset + comment.Length + 7) & ~7;
        var count = commentSection ? 3 : 2;
        var elf = new byte[shoff + (count * 64)];
        elf[0] = 0x7F;
        elf[1] = (byte)'E';
        elf[2] = (byte)'L';
        elf[3] = (byte)'F';
        elf[4] = 2; // ELFCLASS64
        elf[5] = 1; // ELFDATA2LSB
        elf[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x10), 3); // ET_DYN
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x12), 62); // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(0x14), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(0x28), (ulong)shoff);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x34), 64); // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3A), 64); // e_shentsize
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3C), (ushort)count);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3E), 1); // e_shstrndx
        names.CopyTo(elf, namesOffset);
        comment.CopyTo(elf, commentOffset);
        Section(elf, shoff + 64, name: 1, type: 3 /* SHT_STRTAB */, namesOffset, names.Length);
        if (commentSection)
        {
            Section(elf, shoff + 128, name: 11, type: 1 /* SHT_PROGBITS */, commentOffset, comment.Length);
        }

        return elf;
    }

    private static void Section(byte[] elf, int at, uint name, uint type, int offset, int size)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(at), name);
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(at + 4), type);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(at + 24), (ulong)offset);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(at + 32), (ulong)size);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(at + 48), 1);
    }
}
