using System.ComponentModel;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace IrqLab.Benchmarks;

/// <summary>Describes the machine: CPU model from /proc/cpuinfo, cores, .NET version and the C compiler.</summary>
internal static partial class MachineProbe
{
    /// <summary>The machine this process runs on.</summary>
    public static BenchMachine Probe() =>
        new(CpuModel(), Environment.ProcessorCount, Environment.Version.ToString(), CcVersion());

    /// <summary>
    /// A short compiler name from the first line of <c>cc --version</c>: <c>"cc (Debian 12.2.0-14) 12.2.0"</c> →
    /// <c>"gcc 12.2.0"</c>, <c>"Debian clang version 14.0.6"</c> → <c>"clang 14.0.6"</c>; anything else as printed.
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
}
