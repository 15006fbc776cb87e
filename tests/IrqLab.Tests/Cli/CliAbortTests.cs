using System.Diagnostics;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// docs/cli.md: a file a command writes is moved into place only when complete, "so a failed or aborted command leaves
/// no empty or partial file". A trace stopped by a signal (SIGTERM; Ctrl-C's SIGINT takes the same path) used to leave
/// its hidden <c>.NAME.*.tmp</c> beside the output, and an ftrace run its spill file <c>irqlab-ftrace-*.tmp</c> in the
/// temporary directory ($TMPDIR), both partial traces. The built irqlab runs as a process and is sent the signal mid-run.
/// </summary>
public sealed class CliAbortTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("irqlab-abort-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("chrome")]
    [InlineData("ftrace")]
    public void Trace_ended_by_SIGTERM_leaves_no_partial_file_and_keeps_the_old_one(string format)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("POSIX signals");
        }

        var output = _dir.CreateSubdirectory("out");
        var temp = _dir.CreateSubdirectory("tmp");
        var scenario = Path.Combine(_dir.FullName, "long.yaml");
        File.WriteAllText(scenario, """
            irqlab: 1
            name: long
            kernel: {version: latest}
            machine: {cpus: 2}
            devices:
              - name: eth0
                msix: {vectors: 2, affinity: [0, 1]}
                handler: {returns: handled, cost: 1us}
            workload:
              - {device: eth0, rate: 2000000/s, pattern: poisson}
            run: {until: 100s}
            """);
        var trace = Path.Combine(output.FullName, "t.out");
        File.WriteAllText(trace, "old trace");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["TMPDIR"] = temp.FullName;
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "IrqLab.Cli.dll"), "trace", scenario, "-o", trace, "--format", format })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        try
        {
            // Mid-run: the temporary output holds data (and the ftrace lines have spilled to $TMPDIR).
            var deadline = Stopwatch.StartNew();
            while (!Midway(output, temp, format))
            {
                Assert.True(deadline.Elapsed < s_timeout && !process.HasExited, "the trace did not start writing");
                Thread.Sleep(20);
            }

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                kill.WaitForExit();
            }

            Assert.True(process.WaitForExit(s_timeout), "irqlab did not end on SIGTERM");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.Equal([trace], Directory.GetFiles(output.FullName));
        Assert.Equal("old trace", File.ReadAllText(trace));
        Assert.Empty(Directory.GetFiles(temp.FullName, "irqlab-*")); // the runtime's own diagnostics sockets live there too
    }

    /// <summary>The output's temporary file has data; for ftrace, the lines have also begun to spill (64 Ki chars held).</summary>
    private static bool Midway(DirectoryInfo output, DirectoryInfo temp, string format)
    {
        var partial = output.GetFiles(".t.out.*.tmp");
        if (partial.Length == 0)
        {
            return false;
        }

        if (format == "chrome")
        {
            partial[0].Refresh();
            return partial[0].Length > 1024 * 1024;
        }

        // The spill file is unlinked once created: wait a little past the first spill instead of watching for it.
        Thread.Sleep(1500);
        return true;
    }
}
