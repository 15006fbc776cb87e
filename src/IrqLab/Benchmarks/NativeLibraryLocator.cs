using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace IrqLab.Benchmarks;

/// <summary>
/// Finds the native reference library: an explicit path, else <see cref="EnvironmentVariable"/>, else
/// <c>bench/native/build/libirqlab_native.so</c> of the repository (found by walking up to <c>IrqLab.slnx</c>), which is
/// built with cmake when it is missing, older than its sources (CMakeLists.txt, *.c, *.h) or cut short (a half-written link).
/// </summary>
internal static class NativeLibraryLocator
{
    /// <summary>Environment variable naming a built library.</summary>
    public const string EnvironmentVariable = "IRQLAB_NATIVE_LIB";

    /// <summary>File name of the library.</summary>
    public const string LibraryFileName = "libirqlab_native.so";

    private const string SolutionFile = "IrqLab.slnx";
    private const string SourceDir = "bench/native";
    private const string BuildDir = "bench/native/build";

    /// <summary>The library to load; builds it when it is the repository's and is missing or stale.</summary>
    public static string Resolve(string? explicitPath, TextWriter log)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return RequireFile(explicitPath, "the given native library path");
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return RequireFile(fromEnvironment, EnvironmentVariable);
        }

        var root = FindRepositoryRoot() ?? throw new BenchSetupException(
            $"cannot find the IrqLab repository ({SolutionFile}) above {AppContext.BaseDirectory} or {Environment.CurrentDirectory} " +
            $"to build the native reference; run from the repository or set {EnvironmentVariable} to a built {LibraryFileName}");
        return ResolveInRepository(root, log);
    }

    /// <summary><c>bench/native/build/libirqlab_native.so</c> under <paramref name="root"/>, built first when missing or stale.</summary>
    public static string ResolveInRepository(string root, TextWriter log)
    {
        var path = Path.Combine(root, BuildDir, LibraryFileName);
        if (File.Exists(path) && !IsStale(root, path) && ElfCompleteness.Problem(path) is null)
        {
            return Path.GetFullPath(path);
        }

        // One builder at a time, across threads and processes (tests and the CLI may both get here); whoever waited
        // re-checks, since the other builder may have produced the library meanwhile.
        Directory.CreateDirectory(Path.Combine(root, BuildDir));
        using (AcquireBuildLock(Path.Combine(root, BuildDir, ".irqlab-build.lock")))
        {
            if (!File.Exists(path))
            {
                log.WriteLine($"bench: {path} is missing; building the native reference with cmake");
                Build(root, log);
            }
            else if (IsStale(root, path))
            {
                log.WriteLine($"bench: {path} is older than bench/native sources; rebuilding with cmake");
                Build(root, log);
            }
            else if (ElfCompleteness.Problem(path) is { } problem)
            {
                // A link interrupted at the final path (the manual build of bench/README.md links there): rebuilt as if missing.
                log.WriteLine($"bench: {path} is a half-written library ({problem}); rebuilding with cmake");
                Build(root, log);
            }
        }

        return RequireFile(path, "the cmake build");
    }

    /// <summary>The nearest directory holding IrqLab.slnx above the application or the current directory, or null.</summary>
    public static string? FindRepositoryRoot() => FindUp(AppContext.BaseDirectory) ?? FindUp(Environment.CurrentDirectory);

    /// <summary>
    /// <c>cmake -S bench/native -B bench/native/build/tree -DCMAKE_BUILD_TYPE=Release &amp;&amp; cmake --build
    /// bench/native/build/tree</c> in <paramref name="root"/>, then the library copied next to the tree and renamed into
    /// place as <c>bench/native/build/libirqlab_native.so</c>; throws <see cref="BenchSetupException"/> without cmake
    /// or a C compiler.
    /// </summary>
    /// <remarks>
    /// The linker creates its output file and writes it as it links. Linked straight to its final path, the library
    /// existed half-written for a moment, newer than its sources, so a reader that did not wait for the build lock
    /// (<see cref="ResolveInRepository"/>'s check of an existing library, as a second test class's fixture does while
    /// the first builds on a fresh clone) could load it. A rename is atomic: a reader finds no library (and waits for
    /// the lock) or the whole one. The tree is a directory of
    /// its own so that the manual build of bench/README.md (<c>-B bench/native/build</c>) still links to the final path.
    /// </remarks>
    public static void Build(string root, TextWriter log)
    {
        var tree = BuildDir + "/tree";
        string[] configure = ["-S", SourceDir, "-B", tree, "-DCMAKE_BUILD_TYPE=Release"];
        try
        {
            RunCmake(root, configure, log);
        }
        catch (BenchSetupException e) when (IsCacheOfAnotherPath(e.Message))
        {
            // A checkout moved or copied with its build tree (mv, cp -r, a container image): CMake refuses the cache, which
            // names the old paths, and the rebuild after a source change failed until the user deleted the tree. The tree
            // is this runner's own, so it is configured afresh.
            log.WriteLine($"bench: {tree} was configured in another place (the checkout was moved or copied); configuring it afresh");
            Directory.Delete(Path.Combine(root, tree), recursive: true);
            RunCmake(root, configure, log);
        }

        RunCmake(root, ["--build", tree], log);
        var linked = Path.Combine(root, tree, LibraryFileName);
        if (!File.Exists(linked))
        {
            throw new BenchSetupException($"cmake --build {tree} succeeded but left no {linked}");
        }

        var final = Path.Combine(root, BuildDir, LibraryFileName);
        var copy = string.Create(CultureInfo.InvariantCulture, $"{final}.{Environment.ProcessId}.tmp");
        File.Copy(linked, copy, overwrite: true);
        File.Move(copy, final, overwrite: true);
        log.WriteLine($"bench: built {final}");
    }

    /// <summary>
    /// True when a failed configure's output is CMake refusing a CMakeCache.txt written for other paths ("The current
    /// CMakeCache.txt directory ... is different than the directory ... where CMakeCache.txt was created", "The source
    /// ... does not match the source ... used to generate cache"; cmake.cxx, unchanged since CMake 2.x).
    /// </summary>
    private static bool IsCacheOfAnotherPath(string output) =>
        output.Contains("where CMakeCache.txt was created", StringComparison.Ordinal)
        || output.Contains("used to generate cache", StringComparison.Ordinal);

    private static FileStream AcquireBuildLock(string lockPath)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
            catch (IOException e)
            {
                throw new BenchSetupException($"timed out waiting for another build of the native reference ({lockPath})", e);
            }
        }
    }

    private static string RequireFile(string path, string source)
    {
        if (!File.Exists(path))
        {
            throw new BenchSetupException($"native library not found: {path} (from {source})");
        }

        return Path.GetFullPath(path);
    }

    private static string? FindUp(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)) && Directory.Exists(Path.Combine(dir.FullName, SourceDir)))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static bool IsStale(string root, string library)
    {
        var built = File.GetLastWriteTimeUtc(library);
        var sources = Path.Combine(root, SourceDir);
        foreach (var file in Directory.EnumerateFiles(sources, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(sources, file);
            var name = Path.GetFileName(file);
            var isSource = name == "CMakeLists.txt" || name.EndsWith(".c", StringComparison.Ordinal) || name.EndsWith(".h", StringComparison.Ordinal);
            if (!isSource || relative.StartsWith("build" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            if (File.GetLastWriteTimeUtc(file) > built)
            {
                return true;
            }
        }

        return false;
    }

    private static void RunCmake(string root, string[] arguments, TextWriter log)
    {
        var start = new ProcessStartInfo("cmake")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        var command = "cmake " + string.Join(' ', arguments);
        log.WriteLine($"bench: {command}");
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new BenchSetupException($"could not start {command}");
        }
        catch (Win32Exception e)
        {
            throw new BenchSetupException(
                $"cmake is not installed (or not on PATH): the native reference needs cmake and a C compiler (gcc); install them or set {EnvironmentVariable} to a built {LibraryFileName}",
                e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            var output = stdout.GetAwaiter().GetResult() + stderr;
            if (process.ExitCode == 0)
            {
                return;
            }

            if (output.Contains("CMAKE_C_COMPILER", StringComparison.Ordinal))
            {
                throw new BenchSetupException(
                    $"no C compiler found: {command} failed; install gcc (or set CC), or set {EnvironmentVariable} to a built {LibraryFileName}{Environment.NewLine}{Tail(output)}");
            }

            throw new BenchSetupException(string.Create(CultureInfo.InvariantCulture,
                $"{command} failed with exit code {process.ExitCode}:{Environment.NewLine}{Tail(output)}"));
        }
    }

    private static string Tail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 15)));
    }
}
