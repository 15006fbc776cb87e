using System.Diagnostics;
using IrqLab.Cli;
using IrqLab.Tests.Robustness;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// SCENARIOS.md §11: "`irqlab run` with no file runs scenarios/default.yaml (a 4-CPU server)" from any working directory,
/// not only inside the repository: the built irqlab runs as a process whose working directory is a temporary one.
/// </summary>
public sealed class CliDefaultScenarioTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    private readonly DirectoryInfo _cwd = Directory.CreateTempSubdirectory("irqlab-cwd-");

    public void Dispose() => _cwd.Delete(recursive: true);

    [Fact]
    public void Run_with_no_file_outside_the_repository_runs_the_repository_default_scenario_SCENARIOS_md_11()
    {
        var (exit, stdout, stderr) = RunIrqlab(_cwd.FullName, "run", "--json");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        var expected = CliRunner.Run("run", RepoPaths.Scenario("default.yaml"), "--json");
        Assert.Equal(0, expected.Exit);
        Assert.Equal(Fuzz.WithoutWallMs(expected.Out), Fuzz.WithoutWallMs(stdout));
    }

    [Fact]
    public void Run_with_no_file_outside_the_repository_names_scenarios_default_yaml_SCENARIOS_md_11()
    {
        var (exit, stdout, stderr) = RunIrqlab(_cwd.FullName, "run");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains("irqlab run scenarios/default.yaml", stdout.Split('\n')[0], StringComparison.Ordinal);
        Assert.Contains("default-server", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_scenario_is_the_repository_file_SCENARIOS_md_11()
    {
        Assert.Equal("scenarios/default.yaml", ScenarioFiles.DefaultScenarioName);
        Assert.Equal(File.ReadAllText(RepoPaths.Scenario("default.yaml")), ScenarioFiles.ReadDefaultScenario());
    }

    /// <summary>Runs the built irqlab (IrqLab.Cli.dll, copied beside the tests) with <paramref name="workingDirectory"/> as its cwd.</summary>
    private static (int Exit, string Out, string Err) RunIrqlab(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "IrqLab.Cli.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (!process.WaitForExit(s_timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'irqlab {string.Join(' ', args)}' did not finish in {s_timeout.TotalSeconds}s");
        }

        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
