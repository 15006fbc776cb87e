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
}
