using IrqLab.Benchmarks;
using IrqLab.Cli;
using IrqLab.Cli.Commands;
using Xunit;

namespace IrqLab.Tests.Benchmarks;

/// <summary>
/// A native reference cut short — a link interrupted at the library's final path (bench/README.md's manual build links
/// there), or a copy onto a full disk — is a library the bench cannot load: docs/cli.md says it then "says so and exits 2".
/// dlopen maps its PT_LOAD segments without checking them against the file's length and dies of SIGBUS relocating the
/// missing pages: <c>irqlab bench</c> ended with exit 135 and no message. <see cref="ElfCompleteness"/> checks the
/// headers against the length first.
/// </summary>
[Collection(NativeReferenceCollection.Name)]
public sealed class HalfWrittenLibraryTests : IClassFixture<NativeFixture>
{
    private readonly NativeFixture _fixture;

    public HalfWrittenLibraryTests(NativeFixture fixture) => _fixture = fixture;

    [Fact]
    public void The_whole_library_is_complete()
    {
        Assert.Null(ElfCompleteness.Problem(_fixture.Path));
    }

    [Theory]
    [InlineData(0.02)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(-1.0)] // all but the last byte
    public void A_library_cut_short_is_incomplete(double fraction)
    {
        var bytes = File.ReadAllBytes(_fixture.Path);
        var keep = fraction < 0 ? bytes.Length - 1 : (int)(bytes.Length * fraction);
        using var file = new ScratchFile(bytes.AsSpan(0, keep));

        Assert.Contains("it is cut short", ElfCompleteness.Problem(file.Path), StringComparison.Ordinal);
        var e = Assert.Throws<BenchSetupException>(() => NativeReference.Load(file.Path));
        Assert.Contains("is not a whole library", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_elf_is_left_to_the_loader()
    {
        using var file = new ScratchFile("not an ELF file"u8);
        Assert.Null(ElfCompleteness.Problem(file.Path));
    }

    [Fact]
    public void Bench_kernel_given_a_half_written_library_says_so_and_exits_2_not_sigbus()
    {
        // The child process is the test: without the check it is killed by SIGBUS (exit 135) inside dlopen.
        var bytes = File.ReadAllBytes(_fixture.Path);
        using var file = new ScratchFile(bytes.AsSpan(0, 5000));
        var err = new StringWriter();
        var cli = new CliContext(new StringWriter(), err);

        var e = Assert.Throws<CliUsageException>(() => BenchCommand.RunKernelProcess(cli, "lapic.accept_eoi", file.Path, quick: true));

        Assert.Equal("measuring lapic.accept_eoi in its own process failed (exit 2; its messages are above)", e.Message);
        Assert.Contains($"irqlab: error: {file.Path} is not a whole library (it is cut short: 5000 bytes", err.ToString(), StringComparison.Ordinal);
    }

    private sealed class ScratchFile : IDisposable
    {
        public ScratchFile(ReadOnlySpan<byte> content)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"irqlab-half-{Guid.NewGuid():N}.so");
            File.WriteAllBytes(Path, content.ToArray());
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
