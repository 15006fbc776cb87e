using System.CommandLine;
using IrqLab.Simulation;
using IrqLab.Tracing;

namespace IrqLab.Cli.Commands;

/// <summary><c>irqlab trace FILE -o out.json [--format chrome|ftrace]</c>: a trace file of the run.</summary>
internal static class TraceCommand
{
    public static Command Create(CliContext cli)
    {
        var file = new Argument<string>("FILE") { Description = "Scenario file to run." }.RejectOptionLikeTokens(cli);
        var output = new Option<string>("--output", "-o")
        {
            Description = "Trace file to write (Chrome trace-event JSON opens in ui.perfetto.dev; ftrace is text).",
            Required = true,
            HelpName = "FILE",
        }.RejectEmptyPath();
        var format = new Option<string>("--format")
        {
            Description = "chrome (default): Chrome trace-event JSON, a track per CPU and vCPU, nested handler slices, " +
                          "instants for raises, EOIs, VM exits and entries, kernel messages and faults, pending-interrupt counters; " +
                          "ftrace: the kernel's irq and irq_vectors events.",
            DefaultValueFactory = _ => "chrome",
        }.OneOf("chrome", "ftrace");
        var seed = RunCommand.SeedOption();
        var maxEvents = RunCommand.MaxEventsOption();
        var command = new Command("trace", "Run a scenario and write a Perfetto/Chrome trace (or ftrace text) of it.")
        {
            file, output, format, seed, maxEvents,
        };
        command.SetAction(parse =>
        {
            var input = parse.GetValue(file)!;
            var scenario = ScenarioFiles.TryLoad(cli, input, json: false);
            if (scenario is null)
            {
                return CliApp.ExitBadInput;
            }

            var path = parse.GetValue(output)!;
            OutputFile.RejectInput(path, "-o", input);
            using (var trace = OutputFile.Create(path))
            {
                ITraceSink sink;
                StreamWriter? text = null;
                if (parse.GetValue(format) == "ftrace")
                {
                    text = new StreamWriter(trace.Stream, new System.Text.UTF8Encoding(false), 64 * 1024);
                    sink = new FtraceWriter(text, scenario.Machine.Cpus);
                }
                else
                {
                    sink = new ChromeTraceWriter(trace.Stream, scenario.Machine.Cpus, scenario.Name);
                }

                // An error in the run (or in writing) leaves no file: the trace is moved into place only here.
                Simulation.Output.RunResult result;
                try
                {
                    result = Simulator.Run(scenario, new SimulationOptions { Seed = parse.GetValue(seed), LogLimit = 0, MaxEvents = parse.GetValue(maxEvents), Sinks = [sink] });
                }
                catch
                {
                    // The ftrace writer's Dispose only deletes its temporary file (the Chrome writer's would write the end).
                    (sink as FtraceWriter)?.Dispose();
                    throw;
                }

                (sink as IDisposable)?.Dispose();
                text?.Flush();
                trace.Commit();
                RunWarnings.Write(cli, result, file: null);
                cli.Error.WriteLine($"irqlab: wrote {path}: {result.Cpus} {(result.Cpus == 1 ? "CPU" : "CPUs")}, {HumanOutput.FormatNs(result.TimeNs)} simulated");
            }

            return CliApp.ExitOk;
        });
        return command;
    }
}
