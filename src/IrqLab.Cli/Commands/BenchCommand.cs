using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
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
        var simulation = new Option<string>("--simulation")
        {
            Description = "Measure one simulation of the suite in this process and print its measurement as JSON " +
                          "(the suite runs each simulation so, in a process of its own).",
            HelpName = "SCENARIO",
            Hidden = true,
        };
        var kernel = new Option<string>("--kernel")
        {
            Description = "Measure one kernel of the suite and its native counterpart in this process and print its measurement " +
                          "as JSON (the suite runs each kernel so, in a process of its own).",
            HelpName = "KERNEL",
            Hidden = true,
        };
        var randomizeLayout = new Option<bool>("--randomize-layout")
        {
            Description = "Measure in processes with address-space layout randomization. By default the suite starts its measuring " +
                          "processes without it (Linux, as setarch -R does), so that every run of a build measures the same code " +
                          "and data layout: with it a few percent of processes land in a much slower layout (docs/performance.md).",
        };
        var command = new Command("bench", "Measure the C# kernels against the native C reference side by side, and simulation throughput.")
        {
            quick, json, scaling, plot, simulation, kernel, randomizeLayout,
        };
        command.SetAction(parse =>
        {
            var isQuick = parse.GetValue(quick);
            if (parse.GetValue(randomizeLayout)
                && (parse.GetValue(kernel) is not null ? "--kernel" : parse.GetValue(simulation) is not null ? "--simulation" : parse.GetValue(scaling) ? "--scaling" : null)
                    is { } inProcess)
            {
                // --kernel, --simulation and the sweep measure in this process, whose layout was fixed when it started.
                throw new CliUsageException($"--randomize-layout applies to the processes the suite starts: use it without {inProcess}");
            }

            if (parse.GetValue(kernel) is { } name)
            {
                if (parse.GetValue(scaling) || parse.GetValue(plot) is not null || parse.GetValue(simulation) is not null)
                {
                    throw new CliUsageException("--kernel measures one kernel of the suite: use it without --simulation, --scaling and --plot");
                }

                if (!BenchRunner.KernelNames.Contains(name, StringComparer.Ordinal))
                {
                    throw new CliUsageException($"--kernel takes one of the suite's kernels: {string.Join(", ", BenchRunner.KernelNames)}");
                }

                var result = Setup(() => BenchRunner.RunKernel(new BenchOptions { Quick = isQuick, Log = cli.Error }, name));
                CliJson.Write(cli, w => BenchReport.WriteKernel(result, w));
                return CliApp.ExitOk;
            }

            if (parse.GetValue(simulation) is { } one)
            {
                if (parse.GetValue(scaling) || parse.GetValue(plot) is not null)
                {
                    throw new CliUsageException("--simulation measures one scenario of the suite: use it without --scaling and --plot");
                }

                var measured = MeasureSimulation(cli, one, isQuick);
                CliJson.Write(cli, w => BenchReport.WriteSimulation(measured, w));
                return CliApp.ExitOk;
            }

            if (parse.GetValue(scaling))
            {
                return RunScaling(cli, isQuick, parse.GetValue(json), parse.GetValue(plot));
            }

            if (parse.GetValue(plot) is not null)
            {
                throw new CliUsageException("--plot draws the scaling sweep: use it with --scaling");
            }

            // The suite simulates bench/scenarios of the checkout: outside one it cannot run, whatever native library
            // IRQLAB_NATIVE_LIB names, so that is the error, before any kernel is measured.
            FindRoot();
            var native = Setup(() => BenchRunner.Prepare(new BenchOptions { Quick = isQuick, Log = cli.Error }));
            BenchReport report;
            using (var layout = ChildAddressLayout.Open(parse.GetValue(randomizeLayout)))
            {
                cli.Error.WriteLine(layout.ChildrenRandomized
                    ? "irqlab: measuring in processes with address-space layout randomization"
                    : "irqlab: measuring in processes without address-space layout randomization (--randomize-layout keeps it)");
                report = new BenchReport(MachineProbe.Probe(native), RunKernels(cli, native, isQuick), RunSimulations(cli, isQuick))
                {
                    MeasuredWithAslr = layout.ChildrenRandomized,
                };
            }
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

    /// <summary>
    /// Native-reference set-up (find or build the library, check it against the kernels): no C compiler or CMake, or a
    /// library that does not load, is the environment, as an unreadable file is (exit 2, and the JSON error object with
    /// --json).
    /// </summary>
    private static T Setup<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (BenchSetupException e)
        {
            throw new CliUsageException(e.Message, ErrorCodes.Io);
        }
    }

    /// <summary>
    /// Runs each kernel of the suite, with its native counterpart, in a process of its own (<c>irqlab bench --kernel</c>):
    /// the JIT compiles the dispatch code two kernels share (<c>ExternalInterrupt</c>) with the profile of the kernel
    /// measured, not with the one of the kernel before it (docs/performance.md). Each child loads the library at
    /// <paramref name="native"/>, which this process found or built and checked.
    /// </summary>
    private static List<KernelBenchResult> RunKernels(CliContext cli, string native, bool quick)
    {
        var results = new List<KernelBenchResult>();
        foreach (var name in BenchRunner.KernelNames)
        {
            results.Add(RunKernelProcess(cli, name, native, quick));
        }

        return results;
    }

    /// <summary>Measures the kernel <paramref name="name"/> in a child <c>irqlab bench --kernel</c> that loads <paramref name="native"/>.</summary>
    internal static KernelBenchResult RunKernelProcess(CliContext cli, string name, string native, bool quick) =>
        RunChild(cli, ["--kernel", name], quick, native, name, BenchReport.ReadKernel);

    /// <summary>
    /// Runs each simulation of the suite in a process of its own (<c>irqlab bench --simulation</c>), so that each is
    /// measured as <c>irqlab run</c> would run it: the JIT compiles the engine with that scenario's profile, not with
    /// the one of the kernels or of the scenario before it, and <c>peak_mb</c> is that scenario's own peak.
    /// </summary>
    private static List<SimulationBenchResult> RunSimulations(CliContext cli, bool quick)
    {
        var results = new List<SimulationBenchResult>();
        foreach (var (relative, _) in s_simulations)
        {
            results.Add(RunSimulationProcess(cli, relative, quick));
        }

        return results;
    }

    /// <summary>Measures <paramref name="relative"/> (a path of the suite) in a child <c>irqlab bench --simulation</c>.</summary>
    internal static SimulationBenchResult RunSimulationProcess(CliContext cli, string relative, bool quick) =>
        RunChild(cli, ["--simulation", relative], quick, null, relative, BenchReport.ReadSimulation);

    /// <summary>
    /// Runs <c>irqlab bench ARGS [--quick]</c> as a child process (with <c>IRQLAB_NATIVE_LIB</c> set to
    /// <paramref name="native"/> when given) and reads the one measurement object it prints.
    /// </summary>
    private static T RunChild<T>(CliContext cli, string[] args, bool quick, string? native, string what, Func<JsonElement, T> read)
    {
        var start = SelfStartInfo();
        start.ArgumentList.Add("bench");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (quick)
        {
            start.ArgumentList.Add("--quick");
        }

        if (native is not null)
        {
            start.Environment[NativeLibraryLocator.EnvironmentVariable] = native;
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"could not start {start.FileName} for {what}");

        // The child's progress lines pass through as they come; its stdout is the one measurement object.
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (cli.Error)
                {
                    cli.Error.WriteLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != CliApp.ExitOk)
        {
            throw new CliUsageException($"measuring {what} in its own process failed (exit {process.ExitCode}; its messages are above)",
                ErrorCodes.Io, native is null ? what : null);
        }

        try
        {
            using var doc = JsonDocument.Parse(stdout);
            return read(doc.RootElement);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new InvalidOperationException($"irqlab bench {string.Join(' ', args)} printed no measurement: {e.Message}", e);
        }
    }

    /// <summary>
    /// How to start this irqlab again: the apphost or single-file executable that runs now, or the .NET host with
    /// IrqLab.Cli.dll when this process is <c>dotnet</c> or another program hosting the CLI (a test runner).
    /// </summary>
    private static ProcessStartInfo SelfStartInfo()
    {
        var cli = typeof(BenchCommand).Assembly;
        var processPath = Environment.ProcessPath;
        var hostIsDotnet = processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet";
        if (processPath is not null && !hostIsDotnet && System.Reflection.Assembly.GetEntryAssembly() == cli)
        {
            return new ProcessStartInfo(processPath);
        }

        if (string.IsNullOrEmpty(cli.Location))
        {
            throw new InvalidOperationException("IrqLab.Cli.dll has no location to start it from");
        }

        var start = new ProcessStartInfo(hostIsDotnet ? processPath! : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        start.ArgumentList.Add(cli.Location);
        return start;
    }

    /// <summary>One simulation of the suite, measured in this process (<c>--simulation</c>).</summary>
    private static SimulationBenchResult MeasureSimulation(CliContext cli, string relative, bool quick)
    {
        var quickUntil = -1L;
        foreach (var (known, until) in s_simulations)
        {
            if (known == relative)
            {
                quickUntil = until;
            }
        }

        if (quickUntil < 0)
        {
            throw new CliUsageException(
                $"--simulation takes one of the suite's scenarios: {string.Join(", ", s_simulations.Select(s => s.Path))}");
        }

        var root = FindRoot();
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
        cli.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"irqlab bench: simulated {HumanOutput.FormatNs(result.TimeNs)} of {relative} in {wall.Elapsed.TotalSeconds:F3} s"));
        var seconds = wall.Elapsed.TotalSeconds;
        var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        return new SimulationBenchResult(
            relative,
            result.Cpus,
            result.Stats.Delivered,
            Math.Round(seconds, 3),
            Math.Round(result.Stats.Delivered / seconds),
            Math.Round(result.TimeNs / 1e9 / seconds, 3),
            Math.Round(peakMb, 1));
    }

    private static string FindRoot() =>
        NativeLibraryLocator.FindRepositoryRoot()
        ?? throw new CliUsageException("irqlab bench runs from a checkout of the IrqLab repository (IrqLab.slnx not found)");
}
