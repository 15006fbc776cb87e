using System.Xml.Linq;
using IrqLab.Benchmarks;
using IrqLab.Scenarios;
using IrqLab.Scenarios.Model;
using IrqLab.Tests.Simulation;
using Xunit;

namespace IrqLab.Tests.Benchmarks;

/// <summary><c>irqlab bench --scaling</c>: the generated scenarios, the SVG figure and the report (docs/performance.md).</summary>
public sealed class ScalingTests
{
    [Theory]
    [InlineData(1, 1, 100_000)]
    [InlineData(64, 4, 30_000)]
    [InlineData(64, 64, 100_000)]
    [InlineData(1024, 1, 100_000)]
    [InlineData(10, 3, 1_000)] // CPUs not a multiple of devices: the last device takes the rest
    public void Generated_scenario_spreads_one_vector_per_cpu_and_the_rate_over_the_devices(int cpus, int devices, long ratePerCpu)
    {
        var s = ScenarioLoader.Parse(ScalingSweep.ScenarioYaml(cpus, devices, ratePerCpu, 5_000_000), "scaling.yaml");
        Assert.Equal(cpus, s.Machine.Cpus);
        Assert.Equal(devices, s.Devices.Count);
        Assert.Equal(Enumerable.Range(0, cpus), s.Devices.SelectMany(d => d.Msix!.Affinity));
        var rates = s.Workload.OfType<DeviceWorkload>().ToArray();
        Assert.Equal(devices, rates.Length);
        Assert.Equal(ratePerCpu * cpus, rates.Sum(w => w.RatePerSecond), 6);
        Assert.Single(s.Workload.OfType<TimerWorkload>());
        Assert.Equal(5_000_000, s.RunUntilNs);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(1024)] // APIC IDs past 255: MSI destinations need the extended destination ID (docs/simulation.md)
    public void A_sweep_point_delivers_the_interrupts_its_rate_asks_for_each_on_its_own_cpu(int cpus)
    {
        // 1 ms at 100k interrupts/s per CPU: about 100 device interrupts per CPU (Poisson), cpus * 100 in all.
        var s = ScenarioLoader.Parse(ScalingSweep.ScenarioYaml(cpus, 1, 100_000, 1_000_000), "scaling.yaml");
        var r = IrqLab.Simulation.Simulator.Run(s, new IrqLab.Simulation.SimulationOptions { LogLimit = 0 });
        var expected = cpus * 100.0;
        var device = r.InterruptRows.Where(x => x.Row != "LOC").Sum(x => x.Counts.Sum(c => (double)c));
        Assert.InRange(device, expected * 0.9, expected * 1.1);

        // One vector per CPU: every MSI-X row counts on its affinity CPU only.
        Assert.All(r.InterruptRows.Where(x => x.Row != "LOC" && x.Counts.Any(c => c != 0)), x => Assert.Single(x.Counts, c => c != 0));
        Assert.Null(Sim.Unconserved(r));
    }

    [Fact]
    public void More_devices_than_cpus_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ScalingSweep.ScenarioYaml(4, 5, 1000, 1_000_000));
    }

    [Theory]
    [InlineData(0.3, 0.3)]
    [InlineData(1, 1)]
    [InlineData(101, 150)]
    [InlineData(251, 300)]
    [InlineData(799, 800)]
    [InlineData(801, 1000)]
    [InlineData(0, 1)]
    public void Y_axis_ends_at_a_round_value_at_or_above_the_data(double value, double expected)
    {
        Assert.Equal(expected, ScalingPlot.NiceCeiling(value), 9);
    }

    [Fact]
    public void Plot_is_well_formed_svg_with_one_line_and_a_marker_per_point_in_each_series()
    {
        ScalingPoint[] points =
        [
            new("cpus", 1, 1, 1, 100_000, 1000, 0.01, 0.0002),
            new("cpus", 64, 64, 1, 100_000, 1000, 0.01, 0.0003),
            new("rate", 10_000, 64, 1, 10_000, 1000, 0.01, 0.0002),
            new("rate", 100_000, 64, 1, 100_000, 1000, 0.01, 0.0002),
            new("rate", 300_000, 64, 1, 300_000, 1000, 0.01, 0.0002),
            new("devices", 4, 64, 4, 100_000, 1000, 0.01, 0.0004),
        ];
        var svg = XDocument.Parse(ScalingPlot.ToSvg(points, "caption <with> & markup"));
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(3, svg.Descendants(ns + "path").Count());
        Assert.Equal(points.Length, svg.Descendants(ns + "circle").Count());
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == "caption <with> & markup");
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == "300k"); // x labels name the parameter's value
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == "400"); // 0.0004 s / 1000 interrupts, in ns
    }

    [Fact]
    public void Point_derives_ns_per_interrupt_and_realtime_factor()
    {
        var p = new ScalingPoint("cpus", 4, 4, 1, 100_000, 2_000_000, 5.0, 0.25);
        Assert.Equal(125, p.NsPerInterrupt, 9);
        Assert.Equal(20, p.RealtimeFactor, 9);
    }
}
