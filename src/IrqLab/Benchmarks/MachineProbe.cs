using System.ComponentModel;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace IrqLab.Benchmarks;

/// <summary>Describes the machine: CPU model from /proc/cpuinfo, cores, .NET version and the C compiler.</summary>
internal static partial class MachineProbe
{
    /// <summary>
    /// The machine this process runs on. The compiler is the one <paramref name="nativeLibrary"/> records in its ELF
    /// <c>.comment</c> section (<see cref="CompilerOf"/>): the one that built the native reference measured, which
    /// <c>IRQLAB_NATIVE_LIB</c> or CMake's own choice (<c>CC</c>) may make another than <c>cc</c>. Without a library,
    /// or when it names no compiler, the first line of <c>cc --version</c>.
    /// </summary>
    public static BenchMachine Probe(string? nativeLibrary = null) =>
        new(CpuModel(), Environment.ProcessorCount, Environment.Version.ToString(),
            (nativeLibrary is null ? null : CompilerOf(ElfComment.Read(nativeLibrary))) ?? CcVersion());

    /// <summary>
    /// The compiler named by the <c>.comment</c> strings of a library, normalized as <see cref="NormalizeCc"/>: clang's
    /// <c>"clang version X"</c> where one is there (a clang-built library also carries the <c>"GCC: (...) X"</c> note
    /// of the C runtime start files GCC ships, <c>crti.o</c> and <c>crtbeginS.o</c>), else the last GCC note; null
    /// when neither is there.
    /// </summary>
    public static string? CompilerOf(IReadOnlyList<string> comments)
    {
        ArgumentNullException.ThrowIfNull(comments);
        string? gcc = null;
        foreach (var comment in comments)
        {
            if (ClangRegex().IsMatch(comment))
            {
                return NormalizeCc(comment);
            }

            if (GccCommentRegex().IsMatch(comment))
            {
                gcc = comment;
            }
        }

        return gcc is null ? null : NormalizeCc(gcc);
    }

    /// <summary>
    /// A short compiler name from the first line of <c>cc --version</c>: <c>"cc (Debian 12.2.0-14) 12.2.0"</c> →
    /// <c>"gcc 12.2.0"</c>, <c>"Debian clang version 14.0.6"</c> → <c>"clang 14.0.6"</c>; GCC's ELF <c>.comment</c> note
    /// <c>"GCC: (Debian 12.2.0-14) 12.2.0"</c> → <c>"gcc 12.2.0"</c>; anything else as printed.
    /// </summary>
    public static string NormalizeCc(string firstLine)
    {
        ArgumentNullException.ThrowIfNull(firstLine);
        var line = firstLine.Trim();
        var clang = ClangRegex().Match(line);
        if (clang.Success)
        {
            return "clang " + clang.Groups[1].Value;
        }

        var gcc = GccRegex().Match(line);
        if (!gcc.Success)
        {
            gcc = GccCommentRegex().Match(line);
        }

        return gcc.Success ? "gcc " + gcc.Groups[1].Value : line;
    }

    private static string CpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon >= 0)
                    {
                        return line[(colon + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return "unknown";
    }

    private static string? CcVersion()
    {
        var start = new ProcessStartInfo("cc", "--version")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var stderr = process.StandardError.ReadToEndAsync();
            var first = process.StandardOutput.ReadLine();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            stderr.GetAwaiter().GetResult();
            return process.ExitCode == 0 && !string.IsNullOrWhiteSpace(first) ? NormalizeCc(first) : null;
        }
        catch (Win32Exception)
        {
            return null;
        }
    }

    [GeneratedRegex(@"clang version (\S+)")]
    private static partial Regex ClangRegex();

    [GeneratedRegex(@"^(?:\S*-)?(?:cc|gcc)(?:-\S+)? \([^)]*\) (\S+)")]
    private static partial Regex GccRegex();

    [GeneratedRegex(@"^GCC: \([^)]*\) (\S+)")]
    private static partial Regex GccCommentRegex();
}
