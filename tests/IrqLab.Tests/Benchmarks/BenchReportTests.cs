using System.Text;
using System.Text.Json;
using IrqLab.Benchmarks;
using Xunit;

namespace IrqLab.Tests.Benchmarks;

/// <summary>SCENARIOS.md §12: the JSON of <c>irqlab bench --json</c>, keys and their order; and the plain-text table.</summary>
public sealed class BenchReportTests
{
    private static BenchReport Sample(string? cc = "gcc 12.2.0", bool withSimulation = true) => new(
        new BenchMachine("AMD EPYC", 2, "10.0.1", cc),
        [
            new KernelBenchResult("external_interrupt.system_vector", 1.912, 1.7, 1.1247, 0, null),
            new KernelBenchResult("external_interrupt.device_vector", 3.0, 2.5, 1.2, 0, null),
            new KernelBenchResult("lapic.highest_priority_scan", 4.0, 4.0, 1.0, 0, null),
            new KernelBenchResult("lapic.accept_eoi", 5.0, 4.0, 1.25, 0, null),
            new KernelBenchResult("pipeline.msi_to_eoi", 45.0, null, null, 0, 22_222_222.2),
        ],
        withSimulation ? [new SimulationBenchResult("scenarios/default.yaml", 4, 123456, 0.4, 15_000_000, 2.5, 80)] : []);

    private static JsonDocument Json(BenchReport report)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            BenchReport.WriteJson(report, writer);
        }

        return JsonDocument.Parse(stream.ToArray());
    }

    private static string[] Keys(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public void Top_level_keys_in_contract_order_scenarios_12()
    {
        using var doc = Json(Sample());
        Assert.Equal(["irqlab", "machine", "kernels", "simulations"], Keys(doc.RootElement));
        Assert.Equal(1, doc.RootElement.GetProperty("irqlab").GetInt32());
    }

    [Fact]
    public void Machine_keys_and_values_scenarios_12()
    {
        using var doc = Json(Sample());
        var m = doc.RootElement.GetProperty("machine");
        Assert.Equal(["cpu_model", "cores", "dotnet", "cc"], Keys(m));
        Assert.Equal("AMD EPYC", m.GetProperty("cpu_model").GetString());
        Assert.Equal(2, m.GetProperty("cores").GetInt32());
        Assert.Equal("10.0.1", m.GetProperty("dotnet").GetString());
        Assert.Equal("gcc 12.2.0", m.GetProperty("cc").GetString());
    }

    [Fact]
    public void Missing_compiler_is_null_not_absent()
    {
        using var doc = Json(Sample(cc: null));
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("machine").GetProperty("cc").ValueKind);
    }

    [Theory]
    [InlineData(0, "external_interrupt.system_vector")]
    [InlineData(1, "external_interrupt.device_vector")]
    [InlineData(2, "lapic.highest_priority_scan")]
    [InlineData(3, "lapic.accept_eoi")]
    public void Kernel_with_native_counterpart_has_native_time_and_ratio_scenarios_12(int index, string name)
    {
        using var doc = Json(Sample());
        var k = doc.RootElement.GetProperty("kernels")[index];
        Assert.Equal(["name", "ns_per_op", "native_ns_per_op", "ratio", "allocated_bytes_per_op"], Keys(k));
        Assert.Equal(name, k.GetProperty("name").GetString());
    }

    [Fact]
    public void Pipeline_kernel_has_interrupts_per_second_and_no_native_keys_scenarios_12()
    {
        using var doc = Json(Sample());
        var k = doc.RootElement.GetProperty("kernels")[4];
        Assert.Equal(["name", "ns_per_op", "interrupts_per_s", "allocated_bytes_per_op"], Keys(k));
        Assert.Equal(22_222_222, k.GetProperty("interrupts_per_s").GetInt64());
    }

    [Fact]
    public void Numbers_are_rounded_for_reading()
    {
        using var doc = Json(Sample());
        var k = doc.RootElement.GetProperty("kernels")[0];
        Assert.Equal(1.91, k.GetProperty("ns_per_op").GetDouble());
        Assert.Equal(1.12, k.GetProperty("ratio").GetDouble());
        Assert.Equal(0, k.GetProperty("allocated_bytes_per_op").GetDouble());
    }

    [Fact]
    public void Simulation_keys_in_contract_order_scenarios_12()
    {
        using var doc = Json(Sample());
        var s = doc.RootElement.GetProperty("simulations")[0];
        Assert.Equal(["scenario", "cpus", "interrupts", "wall_s", "interrupts_per_s", "realtime_factor", "peak_mb"], Keys(s));
        Assert.Equal(123456, s.GetProperty("interrupts").GetInt64());
    }

    [Fact]
    public void No_simulations_is_an_empty_array()
    {
        using var doc = Json(Sample(withSimulation: false));
        Assert.Equal(0, doc.RootElement.GetProperty("simulations").GetArrayLength());
    }

    [Theory]
    [InlineData(true, "machine: AMD EPYC, 2 cores, .NET 10.0.1, cc gcc 12.2.0; measured in processes with ASLR")]
    [InlineData(false, "machine: AMD EPYC, 2 cores, .NET 10.0.1, cc gcc 12.2.0; measured in processes without ASLR")]
    public void Text_machine_line_says_how_the_measuring_processes_were_laid_out_and_the_json_keeps_the_contract_keys(bool aslr, string expected)
    {
        var report = Sample() with { MeasuredWithAslr = aslr };
        var text = new StringWriter();
        BenchReport.WriteText(report, text);
        Assert.Equal(expected, text.ToString().Split('\n')[0]);
        using var doc = Json(report);
        Assert.Equal(["cpu_model", "cores", "dotnet", "cc"], Keys(doc.RootElement.GetProperty("machine")));
    }

    [Fact]
    public void Text_table_lists_every_kernel_and_dashes_for_missing_values()
    {
        var text = new StringBuilder();
        using (var w = new StringWriter(text))
        {
            BenchReport.WriteText(Sample(), w);
        }

        var lines = text.ToString().Split('\n');
        Assert.StartsWith("machine: AMD EPYC, 2 cores, .NET 10.0.1, cc gcc 12.2.0", lines[0], StringComparison.Ordinal);
        foreach (var name in BenchKernels.Names)
        {
            Assert.Contains(lines, l => l.StartsWith(name, StringComparison.Ordinal));
        }

        var pipeline = lines.Single(l => l.StartsWith("pipeline.msi_to_eoi", StringComparison.Ordinal));
        Assert.Contains("22,222,222", pipeline, StringComparison.Ordinal);
        Assert.Contains(" - ", pipeline, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("scenarios/default.yaml", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', text.ToString());
        Assert.DoesNotContain("ASLR", lines[0], StringComparison.Ordinal);
    }
}
