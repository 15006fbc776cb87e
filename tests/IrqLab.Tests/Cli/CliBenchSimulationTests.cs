using System.Diagnostics;
using System.Text.Json;
using IrqLab.Benchmarks;
using IrqLab.Cli;
using IrqLab.Cli.Commands;
using IrqLab.Scenarios;
using IrqLab.Simulation;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// <c>irqlab bench</c> measures each simulation of its suite in a process of its own (<c>bench --simulation</c>), so that an
/// entry of <c>simulations</c> (SCENARIOS.md §12) is the scenario as <c>irqlab run</c> runs it: its own JIT profile and its
/// own peak memory (docs/performance.md, "Simulations").
/// </summary>
public sealed class CliBenchSimulationTests
{
    private const long QuickDefaultUntilNs = 200_000_000;

    [Fact]
    public void Simulation_mode_prints_one_measurement_of_the_scenario_it_names()
    {
        var (exit, stdout, err) = CliRunner.Run("bench", "--simulation", "scenarios/default.yaml", "--quick");

        Assert.True(exit == CliApp.ExitOk, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(["scenario", "cpus", "interrupts", "wall_s", "interrupts_per_s", "realtime_factor", "peak_mb"],
            doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        var measured = BenchReport.ReadSimulation(doc.RootElement);
        Assert.Equal("scenarios/default.yaml", measured.Scenario);
        Assert.Equal(4, measured.Cpus);
        Assert.Equal(DeliveredInProcess("default.yaml", QuickDefaultUntilNs), measured.Interrupts);
        Assert.True(measured.WallSeconds > 0 && measured.RealtimeFactor > 0 && measured.PeakMegabytes > 0, stdout);
        Assert.Contains("irqlab bench: simulating scenarios/default.yaml (4 CPUs)", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Suite_runs_the_simulation_in_a_child_process_and_reads_back_the_same_work()
    {
        var err = new StringWriter();
        var cli = new CliContext(new StringWriter(), err);

        var measured = BenchCommand.RunSimulationProcess(cli, "scenarios/default.yaml", quick: true);

        Assert.Equal("scenarios/default.yaml", measured.Scenario);
        Assert.Equal(4, measured.Cpus);
        Assert.Equal(DeliveredInProcess("default.yaml", QuickDefaultUntilNs), measured.Interrupts);
        Assert.True(measured.PeakMegabytes > 0, err.ToString());

        // The child's progress lines reach the parent's stderr.
        Assert.Contains(" of scenarios/default.yaml in ", err.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scenarios/nested-self-ipi.yaml")]
    [InlineData("no-such.yaml")]
    public void Simulation_mode_takes_only_the_suite_scenarios_exit_2(string name)
    {
        var (exit, stdout, err) = CliRunner.Run("bench", "--simulation", name);

        Assert.Equal(CliApp.ExitBadInput, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("--simulation takes one of the suite's scenarios: scenarios/default.yaml, bench/scenarios/server-64.yaml, bench/scenarios/ipi-1024.yaml",
            err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--scaling")]
    [InlineData("--plot", "x.svg")]
    public void Simulation_mode_does_not_go_with_the_scaling_sweep_exit_2(params string[] extra)
    {
        var (exit, stdout, err) = CliRunner.Run(["bench", "--simulation", "scenarios/default.yaml", .. extra]);

        Assert.Equal(CliApp.ExitBadInput, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("--simulation measures one scenario of the suite: use it without --scaling and --plot", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_measurement_missing_a_key_is_a_format_error()
    {
        using var doc = JsonDocument.Parse("""{"scenario": "scenarios/default.yaml", "cpus": 4}""");

        Assert.Throws<FormatException>(() => BenchReport.ReadSimulation(doc.RootElement));
    }

    [Fact]
    public void A_measurement_reads_back_as_written()
    {
        var written = new SimulationBenchResult("bench/scenarios/server-64.yaml", 64, 6_433_000, 0.712, 9_035_112, 1.404, 58.3);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            BenchReport.WriteSimulation(written, w);
        }

        using var doc = JsonDocument.Parse(stream.ToArray());
        Assert.Equal(written, BenchReport.ReadSimulation(doc.RootElement));
    }

    [Fact]
    public async Task Outside_a_checkout_the_suite_exits_2_naming_the_checkout_before_measuring_anything()
    {
        // docs/cli.md bench: "an installed tool run elsewhere exits 2 (irqlab bench runs from a checkout of the IrqLab
        // repository)". The native library was looked for first: its error suggested IRQLAB_NATIVE_LIB, and with it set
        // the kernels were measured before the suite found no bench/scenarios. A copy of the CLI outside the repository,
        // run from a directory outside it, stands for the installed tool; IRQLAB_NATIVE_LIB names the checkout's path.
        var config = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var built = Path.Combine(RepoPaths.Root, "src", "IrqLab.Cli", "bin", config, "net10.0");
        var installed = Path.Combine(Path.GetTempPath(), "irqlab-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(installed);
        try
        {
            foreach (var file in Directory.GetFiles(built))
            {
                File.Copy(file, Path.Combine(installed, Path.GetFileName(file)));
            }

            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = installed,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { Path.Combine(installed, "IrqLab.Cli.dll"), "bench", "--quick", "--json" })
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment[NativeLibraryLocator.EnvironmentVariable] = Path.Combine(RepoPaths.Root, "bench", "native", "build", NativeLibraryLocator.LibraryFileName);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);

            Assert.Equal(CliApp.ExitBadInput, process.ExitCode);
            Assert.Equal("irqlab: error: irqlab bench runs from a checkout of the IrqLab repository (IrqLab.slnx not found)" + Environment.NewLine,
                await stderr);
            using var doc = JsonDocument.Parse(stdout);
            Assert.Equal("usage", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
        }
        finally
        {
            Directory.Delete(installed, recursive: true);
        }
    }

    [Fact]
    public async Task A_native_reference_that_cannot_be_loaded_exits_2_with_the_json_error_object()
    {
        // SCENARIOS.md §10: a failure that is not IrqLab's exits 2 and, with --json, stdout holds the error object. The
        // built CLI runs as a process of its own, so that the environment variable reaches only it.
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "IrqLab.Cli.dll"), "bench", "--quick", "--json" })
        {
            start.ArgumentList.Add(argument);
        }

        var missing = Path.Combine(Path.GetTempPath(), "irqlab-tests", Guid.NewGuid().ToString("N"), NativeLibraryLocator.LibraryFileName);
        start.Environment[NativeLibraryLocator.EnvironmentVariable] = missing;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(CliApp.ExitBadInput, process.ExitCode);
        var err = await stderr;
        Assert.StartsWith("irqlab: error: ", err, StringComparison.Ordinal);
        Assert.Contains(missing, err, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(stdout);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("io", error.GetProperty("code").GetString());
        Assert.Equal(err.TrimEnd(), error.GetProperty("message").GetString());
    }

    private static long DeliveredInProcess(string name, long untilNs)
    {
        var scenario = ScenarioLoader.Load(RepoPaths.Scenario(name)) with { RunUntilNs = untilNs };
        return Simulator.Run(scenario, new SimulationOptions { LogLimit = 0 }).Stats.Delivered;
    }
}
