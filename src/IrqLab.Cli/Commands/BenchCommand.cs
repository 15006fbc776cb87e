using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using IrqLab.Benchmarks;
using IrqLab.Scenarios;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;

namespace IrqLab.Cli.Commands;

/// <summary><c>irqlab bench [--quick] [--json]</c>: the performance suite (SCENARIOS.md §12, docs/performance.md).</summary>
internal static class BenchCommand
{
    /// <summary>The simulations of the suite, relative to the repository root, with their run length under --quick.</summary>
    private static readonly (string Path, long QuickUntilNs)[] s_simulations =
    [
        ("scenarios/default.yaml", 200_000_000),
        ("bench/scenarios/server-64.yaml", 50_000_000),
        ("bench/scenarios/ipi-1024.yaml", 100_000_000),
    ];

    public static Command Create(CliContext cli)
    {
        var quick = new Option<bool>("--quick") { Description = "Short loops and shortened simulations: finishes in well under a minute." };
        var json = new Option<bool>("--json") { Description = "Print the JSON of SCENARIOS.md §12 (with --scaling: the sweep's JSON, docs/performance.md)." };
        var scaling = new Option<bool>("--scaling")
        {
            Description = "Instead of the suite, measure how the simulator's cost per interrupt grows with CPUs, rate per CPU and " +
                          "devices (generated server scenarios; about 10 s, --quick about 1 s).",
        };
        var plot = new Option<string>("--plot")
        {
            Description = "With --scaling: also write the sweep as an SVG figure to this file.",
            HelpName = "FILE",
        }.RejectEmptyPath();
        var command = new Command("bench", "Measure the C# kernels against the native C reference side by side, and simulation throughput.")
        {
            quick, json, scaling, plot,
        };
        command.SetAction(parse =>
        {
            var isQuick = parse.GetValue(quick);
            if (parse.GetValue(scaling))
            {
                return RunScaling(cli, isQuick, parse.GetValue(json), parse.GetValue(plot));
            }

            if (parse.GetValue(plot) is not null)
            {
                throw new CliUsageException("--plot draws the scaling sweep: use it with --scaling");
            }

            BenchReport report;
            try
            {
                report = BenchRunner.Run(new BenchOptions { Quick = isQuick, Log = cli.Error });
            }
            catch (BenchSetupException e)
            {
                cli.Error.WriteLine($"irqlab: error: {e.Message}");
                return CliApp.ExitBadInput;
            }

            report = report with { Simulations = RunSimulations(cli, isQuick) };
            if (parse.GetValue(json))
            {
                CliJson.Write(cli, w => BenchReport.WriteJson(report, w));
            }
            else
            {
                BenchReport.WriteText(report, cli.Out);
            }

            return CliApp.ExitOk;
        });
        return command;
    }

    private static int RunScaling(CliContext cli, bool quick, bool json, string? plotPath)
    {
        // Open the plot file first: a bad path fails before anything is measured.
        using var plotFile = plotPath is null ? null : OutputFile.Create(plotPath);
        var points = ScalingSweep.Run(quick ? 100_000 : 2_000_000, cli.Error);
        var report = new ScalingReport(MachineProbe.Probe(), points);
        if (plotFile is not null)
        {
            var m = report.Machine;
            var caption = $"irqlab bench --scaling{(quick ? " --quick" : string.Empty)}: {m.CpuModel}, {m.Cores} cores, .NET {m.Dotnet}; " +
                          "FRED, x2APIC, MSI-X queues with 1 us handlers, Poisson arrivals, 1000 Hz timer";
            using (var writer = new StreamWriter(plotFile.Stream, new System.Text.UTF8Encoding(false), leaveOpen: true))
            {
                writer.Write(ScalingPlot.ToSvg(points, caption));
            }

            plotFile.Commit();
            cli.Error.WriteLine($"irqlab: wrote {plotPath}");
        }

        if (json)
        {
            CliJson.Write(cli, w => ScalingReport.WriteJson(report, w));
        }
        else
        {
            ScalingReport.WriteText(report, cli.Out);
        }

        return CliApp.ExitOk;
    }

    private static List<SimulationBenchResult> RunSimulations(CliContext cli, bool quick)
    {
        var root = FindRoot();
        var results = new List<SimulationBenchResult>();
        foreach (var (relative, quickUntil) in s_simulations)
        {
            var path = Path.Combine(root, relative);
            if (!File.Exists(path))
            {
                throw new CliUsageException($"bench scenario '{relative}' not found under {root}", ErrorCodes.Io, path);
            }

            var scenario = ScenarioLoader.Load(path);
            if (quick)
            {
                scenario = scenario with { RunUntilNs = quickUntil };
            }

            cli.Error.WriteLine($"irqlab bench: simulating {relative} ({scenario.Machine.Cpus} CPUs)");
            GC.Collect();
            var wall = Stopwatch.StartNew();
            var result = Simulator.Run(scenario, new SimulationOptions { LogLimit = 0 });
            wall.Stop();

            // The simulated length is the scenario's: run.until, or longer when its steps advance further.
            cli.Error.WriteLine($"irqlab bench: simulated {HumanOutput.FormatNs(result.TimeNs)} of {relative} in {wall.Elapsed.TotalSeconds:F3} s");
            var seconds = wall.Elapsed.TotalSeconds;
            var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
            results.Add(new SimulationBenchResult(
                relative,
                result.Cpus,
                result.Stats.Delivered,
                Math.Round(seconds, 3),
                Math.Round(result.Stats.Delivered / seconds),
                Math.Round(result.TimeNs / 1e9 / seconds, 3),
                Math.Round(peakMb, 1)));
        }

        return results;
    }

    private static string FindRoot() =>
        NativeLibraryLocator.FindRepositoryRoot()
        ?? throw new CliUsageException("irqlab bench runs from a checkout of the IrqLab repository (IrqLab.slnx not found)");
}
