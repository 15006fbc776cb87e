using IrqLab.Benchmarks;
using Xunit;

namespace IrqLab.Tests.Benchmarks;

/// <summary>Setup failures become <see cref="BenchSetupException"/> (the CLI's exit 2), with a message naming the cause.</summary>
public sealed class BenchSetupTests
{
    [Fact]
    public void A_missing_explicit_library_is_a_setup_error()
    {
        var e = Assert.Throws<BenchSetupException>(() =>
            BenchRunner.Run(new BenchOptions { Quick = true, NativeLibraryPath = "/nonexistent/libirqlab_native.so" }));
        Assert.Contains("/nonexistent/libirqlab_native.so", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_library_is_a_setup_error()
    {
        var path = Path.Combine(Path.GetTempPath(), $"irqlab-not-a-lib-{Environment.ProcessId}.so");
        File.WriteAllText(path, "not an ELF file");
        try
        {
            Assert.Throws<BenchSetupException>(() => NativeReference.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_failing_cmake_configure_is_a_setup_error_with_its_output()
    {
        // An empty bench/native: cmake runs but finds no CMakeLists.txt.
        var root = Directory.CreateTempSubdirectory("irqlab-bench-");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "bench", "native"));
            var log = new StringWriter();
            var e = Assert.Throws<BenchSetupException>(() => NativeLibraryLocator.Build(root.FullName, log));
            Assert.Contains("cmake -S bench/native -B bench/native/build", e.Message, StringComparison.Ordinal);
            Assert.Contains("CMakeLists.txt", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_repository_root_is_found_from_the_test_binary()
    {
        var root = NativeLibraryLocator.FindRepositoryRoot();
        Assert.NotNull(root);
        Assert.True(File.Exists(Path.Combine(root, "IrqLab.slnx")));
        Assert.True(File.Exists(Path.Combine(root, "bench", "native", "CMakeLists.txt")));
    }

    [Theory]
    [InlineData("cc (Debian 12.2.0-14+deb12u1) 12.2.0", "gcc 12.2.0")]
    [InlineData("gcc (GCC) 13.2.1 20231011 (Red Hat 13.2.1-4)", "gcc 13.2.1")]
    [InlineData("gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0", "gcc 11.4.0")]
    [InlineData("x86_64-linux-gnu-gcc-12 (Debian 12.2.0-14) 12.2.0", "gcc 12.2.0")]
    [InlineData("Debian clang version 14.0.6", "clang 14.0.6")]
    [InlineData("clang version 17.0.6 (Fedora 17.0.6-1.fc39)", "clang 17.0.6")]
    [InlineData("tcc version 0.9.27", "tcc version 0.9.27")]
    public void Compiler_name_from_cc_version_first_line(string line, string expected)
    {
        Assert.Equal(expected, MachineProbe.NormalizeCc(line));
    }
}
