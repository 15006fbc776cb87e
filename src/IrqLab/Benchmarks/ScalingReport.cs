using System.Globalization;
using System.Text.Json;
using IrqLab.Tracing;

namespace IrqLab.Benchmarks;

/// <summary>The output of <c>irqlab bench --scaling</c>: the machine and every point of the sweep.</summary>
/// <param name="Machine">Where it ran.</param>
/// <param name="Points">The sweep's points, series by series.</param>
public sealed record ScalingReport(BenchMachine Machine, IReadOnlyList<ScalingPoint> Points)
{
    /// <summary>
    /// Writes <c>{"irqlab": 1, "machine": {...}, "scaling": [{"series", "x", "cpus", "devices", "rate_per_cpu",
    /// "interrupts", "simulated_s", "wall_s", "ns_per_interrupt", "realtime_factor"}, ...]}</c> (docs/performance.md).
    /// </summary>
    public static void WriteJson(ScalingReport report, Utf8JsonWriter w)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(w);
        w.WriteStartObject();
        w.WriteNumber("irqlab", 1);
        BenchReport.WriteMachine(w, report.Machine);
        w.WriteObjectArray("scaling", report.Points, static (w, p) =>
        {
            w.WriteString("series", p.Series);
            w.WriteNumber("x", p.X);
            w.WriteNumber("cpus", p.Cpus);
            w.WriteNumber("devices", p.Devices);
            w.WriteNumber("rate_per_cpu", p.RatePerCpu);
            w.WriteNumber("interrupts", p.Interrupts);
            w.WriteNumber("simulated_s", Math.Round(p.SimulatedSeconds, 6));
            w.WriteNumber("wall_s", Math.Round(p.WallSeconds, 4));
            w.WriteNumber("ns_per_interrupt", Math.Round(p.NsPerInterrupt, 1));
            w.WriteNumber("realtime_factor", Math.Round(p.RealtimeFactor, 3));
        });
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>Writes the sweep as a plain text table.</summary>
    public static void WriteText(ScalingReport report, TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(w);
        var m = report.Machine;
        w.WriteLine(Invariant($"machine: {m.CpuModel}, {m.Cores} cores, .NET {m.Dotnet}"));
        w.WriteLine();
        w.WriteLine(Invariant($"{"series",-8}  {"x",8}  {"cpus",5}  {"devices",7}  {"irq/s/cpu",9}  {"interrupts",10}  {"wall s",7}  {"ns/irq",7}  {"realtime x",10}"));
        foreach (var p in report.Points)
        {
            w.WriteLine(Invariant(
                $"{p.Series,-8}  {p.X,8}  {p.Cpus,5}  {p.Devices,7}  {p.RatePerCpu,9}  {p.Interrupts,10}  {p.WallSeconds,7:F3}  {p.NsPerInterrupt,7:F0}  {p.RealtimeFactor,10:F2}"));
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
