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
        NativeToolchain.RequireOrSkip();
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
    public void A_missing_library_is_built_and_logged_then_reused_then_rebuilt_when_a_source_changes_or_it_is_cut_short()
    {
        // A copy of bench/native in a scratch repository, so the real build directory is never touched.
        NativeToolchain.RequireOrSkip();
        var repo = NativeLibraryLocator.FindRepositoryRoot()!;
        var root = Directory.CreateTempSubdirectory("irqlab-bench-");
        try
        {
            var native = Path.Combine(root.FullName, "bench", "native");
            CopySources(Path.Combine(repo, "bench", "native"), native);
            var log = new StringWriter();

            var path = NativeLibraryLocator.ResolveInRepository(root.FullName, log);
            Assert.True(File.Exists(path));
            AssertLinkedAsideAndRenamed(native, path);
            Assert.Contains("is missing; building the native reference with cmake", log.ToString(), StringComparison.Ordinal);
            Assert.Contains("bench: built ", log.ToString(), StringComparison.Ordinal);

            var quiet = new StringWriter();
            Assert.Equal(path, NativeLibraryLocator.ResolveInRepository(root.FullName, quiet));
            Assert.Equal(string.Empty, quiet.ToString());

            File.SetLastWriteTimeUtc(Path.Combine(native, "src", "lapic.c"), DateTime.UtcNow.AddMinutes(1));
            var rebuilt = new StringWriter();
            NativeLibraryLocator.ResolveInRepository(root.FullName, rebuilt);
            Assert.Contains("older than bench/native sources; rebuilding", rebuilt.ToString(), StringComparison.Ordinal);
            AssertLinkedAsideAndRenamed(native, path);

            // Cut short (a manual build's link interrupted at this path): newer than its sources, yet rebuilt as if
            // missing, instead of handed to dlopen (SIGBUS) or refused (HalfWrittenLibraryTests).
            var whole = File.ReadAllBytes(path);
            File.WriteAllBytes(path, whole.AsSpan(0, whole.Length / 2).ToArray());
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(2)); // newer than lapic.c above
            var half = new StringWriter();
            NativeLibraryLocator.ResolveInRepository(root.FullName, half);
            Assert.Contains("is a half-written library (it is cut short", half.ToString(), StringComparison.Ordinal);
            AssertLinkedAsideAndRenamed(native, path);

            using var loaded = NativeReference.Load(path);
            Assert.True(loaded.FirstSystemVector > 0);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_checkout_moved_with_its_build_tree_rebuilds_after_a_source_change()
    {
        // cp -r (or mv) of a checkout keeps bench/native/build/tree, whose CMakeCache.txt names the old paths: CMake
        // refuses it ("... is different than the directory ... where CMakeCache.txt was created"), and irqlab bench
        // exited 2 on every rebuild until the user deleted the tree. The runner configures its own tree afresh.
        NativeToolchain.RequireOrSkip();
        var repo = NativeLibraryLocator.FindRepositoryRoot()!;
        var first = Directory.CreateTempSubdirectory("irqlab-bench-");
        var moved = Directory.CreateTempSubdirectory("irqlab-bench-moved-");
        try
        {
            CopySources(Path.Combine(repo, "bench", "native"), Path.Combine(first.FullName, "bench", "native"));
            NativeLibraryLocator.ResolveInRepository(first.FullName, TextWriter.Null);
            CopyAll(Path.Combine(first.FullName, "bench"), Path.Combine(moved.FullName, "bench"));
            var native = Path.Combine(moved.FullName, "bench", "native");
            File.SetLastWriteTimeUtc(Path.Combine(native, "src", "lapic.c"), DateTime.UtcNow.AddMinutes(1));

            var log = new StringWriter();
            var path = NativeLibraryLocator.ResolveInRepository(moved.FullName, log);

            Assert.Contains("was configured in another place (the checkout was moved or copied); configuring it afresh", log.ToString(), StringComparison.Ordinal);
            Assert.Contains("bench: built ", log.ToString(), StringComparison.Ordinal);
            AssertLinkedAsideAndRenamed(native, path);
        }
        finally
        {
            first.Delete(recursive: true);
            moved.Delete(recursive: true);
        }
    }

    private static void CopyAll(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>
    /// The linker writes its output file as it links, so a library linked at its final path exists half-written for a
    /// moment, newer than its sources, and a reader that finds it then (another test fixture, another process) loads it.
    /// So the build links in build/tree and renames a copy into place. The race itself is a window of milliseconds that
    /// cannot be provoked at will; what is checked is that the build goes through the tree and leaves no copy behind.
    /// </summary>
    private static void AssertLinkedAsideAndRenamed(string native, string path)
    {
        var build = Path.Combine(native, "build");
        Assert.True(File.Exists(Path.Combine(build, "tree", NativeLibraryLocator.LibraryFileName)), "the library is linked in build/tree");
        Assert.Equal(Path.Combine(build, NativeLibraryLocator.LibraryFileName), path);
        Assert.Equal(File.ReadAllBytes(Path.Combine(build, "tree", NativeLibraryLocator.LibraryFileName)), File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(build, "*.tmp"));
    }

    private static void CopySources(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.StartsWith("build" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
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
