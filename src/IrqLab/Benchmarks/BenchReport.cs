using System.Globalization;
using System.Text.Json;
using IrqLab.Tracing;

namespace IrqLab.Benchmarks;

/// <summary>The result of <c>irqlab bench</c>: machine, kernels (C# and native side by side) and simulations.</summary>
/// <param name="Machine">Where it ran.</param>
/// <param name="Kernels">One entry per kernel, in run order.</param>
/// <param name="Simulations">Scenario throughput; <see cref="BenchRunner.Run"/> leaves it empty for the CLI to fill
/// (<c>report with { Simulations = ... }</c>).</param>
public sealed record BenchReport(
    BenchMachine Machine,
    IReadOnlyList<KernelBenchResult> Kernels,
    IReadOnlyList<SimulationBenchResult> Simulations)
{
    /// <summary>
    /// Whether the processes that measured ran with address-space layout randomization, or null when not known (the
    /// kernels measured in this process). Shown in the text output only: the JSON keeps SCENARIOS.md §12's keys.
    /// </summary>
    public bool? MeasuredWithAslr { get; init; }

    /// <summary>Writes the report as the single JSON object of SCENARIOS.md §12 (keys in the contract's order; optional
    /// kernel keys are omitted when they do not apply).</summary>
    public static void WriteJson(BenchReport report, Utf8JsonWriter w)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(w);
        w.WriteStartObject();
        w.WriteNumber("irqlab", 1);
        WriteMachine(w, report.Machine);
        w.WriteObjectArray("kernels", report.Kernels, WriteKernelFields);
        w.WriteObjectArray("simulations", report.Simulations, WriteSimulationFields);
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>
    /// One entry of <c>kernels</c> as a JSON object on its own: what a kernel measured in its own process
    /// (<c>irqlab bench --kernel</c>) reports to the process that runs the suite.
    /// </summary>
    public static void WriteKernel(KernelBenchResult kernel, Utf8JsonWriter w)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        WriteAlone(w, kernel, WriteKernelFields);
    }

    /// <summary>Reads an object written by <see cref="WriteKernel"/> (optional keys absent: null).</summary>
    /// <exception cref="FormatException">A key is missing or has the wrong type.</exception>
    public static KernelBenchResult ReadKernel(JsonElement e)
    {
        try
        {
            return new KernelBenchResult(
                e.GetProperty("name").GetString() ?? throw new FormatException("name is null"),
                e.GetProperty("ns_per_op").GetDouble(),
                Optional(e, "native_ns_per_op"),
                Optional(e, "ratio"),
                e.GetProperty("allocated_bytes_per_op").GetDouble(),
                Optional(e, "interrupts_per_s"));
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"not a kernel measurement: {ex.Message}", ex);
        }

        static double? Optional(JsonElement e, string key) => e.TryGetProperty(key, out var v) ? v.GetDouble() : null;
    }

    private static void WriteKernelFields(Utf8JsonWriter w, KernelBenchResult k)
    {
        w.WriteString("name", k.Name);
        w.WriteNumber("ns_per_op", Round(k.NsPerOp, 2));
        if (k.NativeNsPerOp is { } native)
        {
            w.WriteNumber("native_ns_per_op", Round(native, 2));
        }

        if (k.Ratio is { } ratio)
        {
            w.WriteNumber("ratio", Round(ratio, 2));
        }

        if (k.InterruptsPerSecond is { } rate)
        {
            w.WriteNumber("interrupts_per_s", (long)Math.Round(rate));
        }

        w.WriteNumber("allocated_bytes_per_op", Round(k.AllocatedBytesPerOp, 2));
    }

    /// <summary>
    /// One entry of <c>simulations</c> as a JSON object on its own: what a simulation measured in its own process
    /// (<c>irqlab bench --simulation</c>) reports to the process that runs the suite.
    /// </summary>
    public static void WriteSimulation(SimulationBenchResult simulation, Utf8JsonWriter w)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        WriteAlone(w, simulation, WriteSimulationFields);
    }

    private static void WriteAlone<T>(Utf8JsonWriter w, T entry, Action<Utf8JsonWriter, T> fields)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.WriteStartObject();
        fields(w, entry);
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>Reads an object written by <see cref="WriteSimulation"/>.</summary>
    /// <exception cref="FormatException">A key is missing or has the wrong type.</exception>
    public static SimulationBenchResult ReadSimulation(JsonElement e)
    {
        try
        {
            return new SimulationBenchResult(
                e.GetProperty("scenario").GetString() ?? throw new FormatException("scenario is null"),
                e.GetProperty("cpus").GetInt32(),
                e.GetProperty("interrupts").GetInt64(),
                e.GetProperty("wall_s").GetDouble(),
                e.GetProperty("interrupts_per_s").GetDouble(),
                e.GetProperty("realtime_factor").GetDouble(),
                e.GetProperty("peak_mb").GetDouble());
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"not a simulation measurement: {ex.Message}", ex);
        }
    }

    private static void WriteSimulationFields(Utf8JsonWriter w, SimulationBenchResult s)
    {
        w.WriteString("scenario", s.Scenario);
        w.WriteNumber("cpus", s.Cpus);
        w.WriteNumber("interrupts", s.Interrupts);
        w.WriteNumber("wall_s", Round(s.WallSeconds, 3));
        w.WriteNumber("interrupts_per_s", (long)Math.Round(s.InterruptsPerSecond));
        w.WriteNumber("realtime_factor", Round(s.RealtimeFactor, 3));
        w.WriteNumber("peak_mb", Round(s.PeakMegabytes, 1));
    }

    /// <summary>The <c>machine</c> object of SCENARIOS.md §12 (also heads the <c>--scaling</c> output).</summary>
    internal static void WriteMachine(Utf8JsonWriter w, BenchMachine machine)
    {
        w.WriteStartObject("machine");
        w.WriteString("cpu_model", machine.CpuModel);
        w.WriteNumber("cores", machine.Cores);
        w.WriteString("dotnet", machine.Dotnet);
        w.WriteStringOrNull("cc", machine.Cc);
        w.WriteEndObject();
    }

    /// <summary>Writes the report as plain text tables (no colour, no terminal control: safe for pipes and CI logs).</summary>
    public static void WriteText(BenchReport report, TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(w);
        var m = report.Machine;
        var layout = report.MeasuredWithAslr switch
        {
            true => "; measured in processes with ASLR",
            false => "; measured in processes without ASLR",
            null => string.Empty,
        };
        w.WriteLine(Invariant($"machine: {m.CpuModel}, {m.Cores} cores, .NET {m.Dotnet}, cc {m.Cc ?? "none"}{layout}"));
        w.WriteLine();
        var nameWidth = Math.Max("kernel".Length, report.Kernels.Count == 0 ? 0 : report.Kernels.Max(k => k.Name.Length));
        w.WriteLine(Invariant($"{"kernel".PadRight(nameWidth)}  {"ns/op",9}  {"native",9}  {"ratio",6}  {"alloc B/op",10}  {"interrupts/s",14}"));
        foreach (var k in report.Kernels)
        {
            var native = k.NativeNsPerOp is { } n ? Invariant($"{n:F2}") : "-";
            var ratio = k.Ratio is { } r ? Invariant($"{r:F2}") : "-";
            var rate = k.InterruptsPerSecond is { } ips ? Invariant($"{ips:N0}") : "-";
            w.WriteLine(Invariant($"{k.Name.PadRight(nameWidth)}  {k.NsPerOp,9:F2}  {native,9}  {ratio,6}  {k.AllocatedBytesPerOp,10:0.##}  {rate,14}"));
        }

        if (report.Simulations.Count == 0)
        {
            return;
        }

        w.WriteLine();
        var scenarioWidth = Math.Max("scenario".Length, report.Simulations.Max(s => s.Scenario.Length));
        w.WriteLine(Invariant($"{"scenario".PadRight(scenarioWidth)}  {"cpus",5}  {"interrupts",12}  {"wall s",8}  {"interrupts/s",14}  {"realtime x",10}  {"peak MB",8}"));
        foreach (var s in report.Simulations)
        {
            w.WriteLine(Invariant(
                $"{s.Scenario.PadRight(scenarioWidth)}  {s.Cpus,5}  {s.Interrupts,12}  {s.WallSeconds,8:F3}  {s.InterruptsPerSecond,14:N0}  {s.RealtimeFactor,10:F2}  {s.PeakMegabytes,8:F1}"));
        }
    }

    private static double Round(double value, int digits) =>
        double.IsFinite(value) ? Math.Round(value, digits, MidpointRounding.AwayFromZero) : 0;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
