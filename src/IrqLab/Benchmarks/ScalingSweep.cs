using System.Globalization;
using System.Text;
using IrqLab.Scenarios;
using IrqLab.Simulation;

namespace IrqLab.Benchmarks;

/// <summary>
/// How the simulator's cost grows (<c>irqlab bench --scaling</c>, docs/performance.md): generated Linux scenarios in the
/// shape of <c>bench/scenarios/server-64.yaml</c> (FRED, x2APIC, MSI-X queues with 1 µs handlers spread over every CPU,
/// Poisson arrivals, the 1000 Hz local timer), varying one parameter at a time: the number of CPUs, the interrupt rate
/// per CPU, and the number of devices sharing the load. Each point runs long enough for a fixed number of interrupts
/// (and at least 5 ms), after one warm-up run, and is timed without building the machine, so the figures are the
/// steady-state cost per interrupt.
/// </summary>
public static class ScalingSweep
{
    /// <summary>The series that varies the number of CPUs.</summary>
    public const string CpusSeries = "cpus";

    /// <summary>The series that varies the device interrupt rate per CPU.</summary>
    public const string RateSeries = "rate";

    /// <summary>The series that varies the number of devices sharing the load.</summary>
    public const string DevicesSeries = "devices";

    private const long DefaultRate = 100_000;
    private const int DefaultCpus = 64;
    private const long MinRunNs = 5_000_000;

    /// <summary>CPU counts of the <c>cpus</c> series.</summary>
    public static IReadOnlyList<int> CpuCounts { get; } = [1, 4, 16, 64, 256, 1024];

    /// <summary>Interrupts per second per CPU of the <c>rate</c> series.</summary>
    public static IReadOnlyList<long> Rates { get; } = [10_000, 30_000, 100_000, 300_000];

    /// <summary>Device counts of the <c>devices</c> series (64 CPUs).</summary>
    public static IReadOnlyList<int> DeviceCounts { get; } = [1, 4, 16, 64];

    /// <summary>Runs the sweep; <paramref name="interruptsPerPoint"/> sets each run's length (about that many device interrupts).</summary>
    public static IReadOnlyList<ScalingPoint> Run(long interruptsPerPoint, TextWriter? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interruptsPerPoint, 1000);
        log ??= TextWriter.Null;

        // Warm-up: tiered compilation optimises the engine before the first measured point.
        Measure("warmup", 0, DefaultCpus, 1, DefaultRate, interruptsPerPoint);

        var points = new List<ScalingPoint>();
        foreach (var cpus in CpuCounts)
        {
            points.Add(Logged(log, Measure(CpusSeries, cpus, cpus, 1, DefaultRate, interruptsPerPoint)));
        }

        foreach (var rate in Rates)
        {
            points.Add(Logged(log, Measure(RateSeries, rate, DefaultCpus, 1, rate, interruptsPerPoint)));
        }

        foreach (var devices in DeviceCounts)
        {
            points.Add(Logged(log, Measure(DevicesSeries, devices, DefaultCpus, devices, DefaultRate, interruptsPerPoint)));
        }

        return points;
    }

    /// <summary>
    /// The scenario of one point: <paramref name="devices"/> MSI-X devices, each with an equal share of the CPUs as its
    /// queues (one vector per CPU), together raising <paramref name="ratePerCpu"/> × CPUs interrupts per second.
    /// </summary>
    public static string ScenarioYaml(int cpus, int devices, long ratePerCpu, long untilNs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(devices, cpus);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"irqlab: 1\nname: scaling-{cpus}cpu-{devices}dev-{ratePerCpu}\n");
        sb.Append("kernel: {version: latest, delivery: fred}\n");
        sb.Append(inv, $"machine: {{cpus: {cpus}, apic: x2apic}}\ndevices:\n");
        var perDevice = cpus / devices;
        for (var d = 0; d < devices; d++)
        {
            var first = d * perDevice;
            var count = d == devices - 1 ? cpus - first : perDevice;
            sb.Append(inv, $"  - name: nic{d}\n    msix: {{vectors: {count}, affinity: [");
            sb.AppendJoin(", ", Enumerable.Range(first, count));
            sb.Append("]}\n    handler: {returns: handled, cost: 1us}\n");
        }

        sb.Append("workload:\n  - {timer: {hz: 1000}}\n");
        for (var d = 0; d < devices; d++)
        {
            var first = d * perDevice;
            var count = d == devices - 1 ? cpus - first : perDevice;
            sb.Append(inv, $"  - {{device: nic{d}, rate: {ratePerCpu * count}/s, pattern: poisson}}\n");
        }

        sb.Append(inv, $"run: {{until: {untilNs}ns}}\n");
        return sb.ToString();
    }

    private static ScalingPoint Measure(string series, long x, int cpus, int devices, long ratePerCpu, long interrupts)
    {
        // At least a few local timer periods, so every CPU's timer has ticked.
        var untilNs = Math.Max(MinRunNs, (long)Math.Round(interrupts * 1e9 / ((double)ratePerCpu * cpus)));
        var scenario = ScenarioLoader.Parse(ScenarioYaml(cpus, devices, ratePerCpu, untilNs), $"scaling-{series}-{x}.yaml");
        GC.Collect();
        var result = Simulator.Run(scenario, new SimulationOptions { LogLimit = 0 });

        // The run's own wall time (stats.wall_ms): building the machine is not part of the cost per interrupt.
        return new ScalingPoint(series, x, cpus, devices, ratePerCpu, result.Stats.Delivered, result.TimeNs / 1e9, result.Stats.WallMs / 1e3);
    }

    private static ScalingPoint Logged(TextWriter log, ScalingPoint p)
    {
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench: scaling {p.Series} = {p.X}: {p.Interrupts} interrupts in {p.WallSeconds:F3} s, {p.NsPerInterrupt:F0} ns per interrupt"));
        return p;
    }
}
