using System.Text.Json.Nodes;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// SCENARIOS.md §10 <c>messages[].cpu</c>: a kernel line names the CPU that printed it; IrqLab's own warnings (a run
/// "until idle" that never became idle, <c>--max-events</c>) are printed by no CPU and carry <c>"cpu": null</c>, as the
/// contract writes null for a field that does not apply, never a CPU number outside 0..cpus-1 (it was -1).
/// </summary>
public sealed class CliMessageCpuTests
{
    /// <summary>Scenario text, extra arguments, start of the expected warning.</summary>
    public static TheoryData<string, string[], string> Warnings() => new()
    {
        {
            // Never idle: the handler of 0x41 sends 0x41 to its own CPU again after 1 µs, with no run.until.
            """
            irqlab: 1
            name: busy
            kernel: {mode: bare}
            machine: {cpus: 2}
            handlers:
              - {vector: 0x41, do: [{advance: 1us}, eoi, {ipi: {to: self, vector: 0x41}}]}
            steps:
              - {ipi: {from: 1, to: 1, vector: 0x41}}
            """,
            [],
            "irqlab: the machine did not become idle"
        },
        {
            """
            irqlab: 1
            name: bounded
            workload:
              - {timer: {hz: 1000}}
            run: {until: 1s}
            """,
            ["--max-events", "5"],
            "irqlab: run stopped at "
        },
    };

    [Theory]
    [MemberData(nameof(Warnings))]
    public void IrqLab_warnings_have_a_null_cpu_and_kernel_lines_a_cpu_number_SCENARIOS_md_10(string yaml, string[] extra, string warning)
    {
        var dir = Path.Combine(Path.GetTempPath(), "irqlab-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "s.yaml");
        File.WriteAllText(path, yaml);

        var (exit, output, _) = CliRunner.Run(["run", path, "--json", .. extra]);

        Assert.Equal(0, exit);
        var messages = JsonNode.Parse(output)!["messages"]!.AsArray();
        var own = Assert.Single(messages, m => m!["text"]!.GetValue<string>().StartsWith(warning, StringComparison.Ordinal));
        Assert.Equal(["t_ns", "cpu", "level", "text"], own!.AsObject().Select(kv => kv.Key).ToArray());
        Assert.Null(own["cpu"]);
        Assert.Equal("warning", own["level"]!.GetValue<string>());
    }

    [Fact]
    public void A_kernel_line_keeps_its_cpu_number()
    {
        var (exit, output, _) = CliRunner.Run("run", RepoPaths.Scenario("ioapic-level-storm.yaml"), "--json", "--log-limit", "0");

        Assert.Equal(0, exit);
        var messages = JsonNode.Parse(output)!["messages"]!.AsArray();
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.Equal(0, m!["cpu"]!.GetValue<int>()));
    }

    /// <summary>
    /// A line printed on CPU 1 says CPU 1, not 0 (every line of the storm above is CPU 0's, so it cannot tell). The
    /// kernel's own text names the CPU: call_irq_handler() (arch/x86/kernel/irq.c, 6.10) prints
    /// <c>"%s: %d.%u No irq handler for vector"</c> with <c>smp_processor_id()</c>, so <c>messages[].cpu</c> must equal the
    /// number before the dot (SCENARIOS.md §10).
    /// </summary>
    [Fact]
    public void A_kernel_line_printed_on_cpu_1_has_cpu_1_irq_c_call_irq_handler()
    {
        var dir = Path.Combine(Path.GetTempPath(), "irqlab-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "s.yaml");
        File.WriteAllText(path, """
            irqlab: 1
            name: no-handler-on-each-cpu
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            steps:
              - {ipi: {from: 0, to: 1, vector: 0x41}}
              - {ipi: {from: 1, to: 0, vector: 0x42}}
              - {advance: 10us}
            """);

        var (exit, output, _) = CliRunner.Run(["run", path, "--json"]);

        Assert.Equal(0, exit);
        var lines = JsonNode.Parse(output)!["messages"]!.AsArray()
            .Select(m => (Cpu: m!["cpu"]!.GetValue<int>(), Text: m["text"]!.GetValue<string>()))
            .OrderBy(m => m.Text, StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(
            [(0, "call_irq_handler: 0.66 No irq handler for vector"), (1, "call_irq_handler: 1.65 No irq handler for vector")],
            lines);
    }
}
