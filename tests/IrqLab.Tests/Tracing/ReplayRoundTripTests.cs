using System.Text.Json.Nodes;
using IrqLab.Scenarios;
using IrqLab.Tests.Cli;
using IrqLab.Tracing;
using Xunit;

namespace IrqLab.Tests.Tracing;

/// <summary>
/// <c>irqlab trace --format ftrace</c> then <c>irqlab replay</c> rebuilds the run's /proc/interrupts (SCENARIOS.md §11:
/// replay "rebuild[s] a run from an ftrace capture"; audit round 2, finding 1): every row the replay reports, and every
/// row whose handler carries a tracepoint (device irqs via irq_handler_entry, the irq_vectors rows LOC, RES, CAL...),
/// has the per-CPU counts of <c>irqlab run --json</c>. Rows without a tracepoint (NMI, PIW, TLB...) are not compared.
/// Scenarios with VMs are compared too: the actions of a device interrupt that the host handles after a VM exit are
/// traced (irq_handler_entry/exit), so their device rows are complete in the capture (docs/cli.md, replay).
/// </summary>
public sealed class ReplayRoundTripTests
{
    public static TheoryData<string> ScenariosWithoutVms() => Scenarios(withVms: false);

    /// <summary>The shipped scenarios with VMs, whose host handles device interrupts after VM exits.</summary>
    public static TheoryData<string> ScenariosWithVms() => Scenarios(withVms: true);

    private static TheoryData<string> Scenarios(bool withVms)
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(RepoPaths.Scenarios, "*.yaml").Order(StringComparer.Ordinal))
        {
            if ((ScenarioLoader.Load(path).Vms.Count > 0) == withVms)
            {
                data.Add(Path.GetFileName(path));
            }
        }

        return data;
    }

    [Fact]
    public void Round_trip_covers_several_scenarios()
        => Assert.True(ScenariosWithoutVms().Count >= 8, "expected most shipped scenarios to run without VMs");

    [Fact]
    public void Round_trip_covers_the_VM_scenarios()
        => Assert.Contains("vm-exit-reinjection.yaml", ScenariosWithVms().Select(row => row.Data));

    /// <summary>
    /// The trace carries the device interrupts the host handles after a VM exit (their actions are traced on that
    /// path), so replay counts them in full. docs/cli.md (replay), SCENARIOS.md §11.
    /// </summary>
    [Theory]
    [MemberData(nameof(ScenariosWithVms))]
    public void Replay_of_the_ftrace_export_of_a_VM_scenario_gives_the_runs_proc_interrupts_counts_SCENARIOS_11(string scenario)
        => Replay_of_the_ftrace_export_gives_the_runs_proc_interrupts_counts(scenario);

    [Theory]
    [MemberData(nameof(ScenariosWithoutVms))]
    public void Replay_of_the_ftrace_export_gives_the_runs_proc_interrupts_counts(string scenario)
    {
        var path = RepoPaths.Scenario(scenario);
        var dir = Directory.CreateTempSubdirectory("irqlab-roundtrip-").FullName;
        try
        {
            var capture = Path.Combine(dir, "capture.txt");
            var trace = CliRunner.Run("trace", path, "-o", capture, "--format", "ftrace");
            Assert.True(trace.Exit == 0, trace.Err);
            var replay = CliRunner.Run("replay", capture, "--json");
            Assert.True(replay.Exit == 0, replay.Err);
            var run = CliRunner.Run("run", path, "--json");
            Assert.True(run.Exit == 0, run.Err);

            var interrupts = JsonNode.Parse(run.Out)!["interrupts"]!;
            var cpus = (int)interrupts["cpus"]!;
            var expected = interrupts["rows"]!.AsArray().ToDictionary(r => (string)r!["row"]!, r => Counts(r!["counts"]!));
            var report = JsonNode.Parse(replay.Out)!;
            var columns = report["cpus"]!.AsArray().Select(c => (int)c!).ToArray();
            var replayed = new Dictionary<string, ulong[]>(StringComparer.Ordinal);
            foreach (var row in report["rates"]!.AsArray())
            {
                var counts = new ulong[cpus];
                var values = Counts(row!["counts"]!);
                for (var i = 0; i < values.Length; i++)
                {
                    counts[columns[i]] = values[i];
                }

                replayed.Add((string)row["row"]!, counts);
            }

            foreach (var (row, counts) in replayed)
            {
                Assert.True(expected.TryGetValue(row, out var want), $"{scenario}: replay reports row {row}, which run does not print");
                Assert.True(want.SequenceEqual(counts), $"{scenario}: row {row}: run [{string.Join(", ", want)}], replay [{string.Join(", ", counts)}]");
            }

            foreach (var (row, counts) in expected)
            {
                var traced = char.IsAsciiDigit(row[0]) || IrqVectorEvents.All.Any(e => e.Row == row);
                if (traced && counts.Any(c => c != 0))
                {
                    Assert.True(replayed.ContainsKey(row), $"{scenario}: row {row} [{string.Join(", ", counts)}] is missing from the replay");
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// error_apic_entry/exit (arch/x86/kernel/apic/apic.c sysvec_error_interrupt(), trace_error_apic_entry(ERROR_APIC_VECTOR))
    /// carry the CPU, so replay counts ERR per CPU, as the newest table-driven arch_show_interrupts() prints it; a
    /// kernel that prints ERR as the one global irq_err_count (6.1) shows the sum of those counts. docs/cli.md (replay).
    /// </summary>
    [Theory]
    [InlineData("\"6.1\"", new[] { 4UL })]
    [InlineData("latest", new[] { 2UL, 2UL })]
    public void Replay_counts_ERR_per_cpu_and_their_sum_is_the_global_count_of_older_kernels(string version, ulong[] runErr)
    {
        var dir = Directory.CreateTempSubdirectory("irqlab-roundtrip-").FullName;
        try
        {
            var scenario = Path.Combine(dir, "err.yaml");
            File.WriteAllText(scenario, $$$"""
                irqlab: 1
                name: illegal-vector-ipis
                kernel: {version: {{{version}}} }
                machine: {cpus: 2}
                steps:
                  - {ipi: {from: 0, to: 1, vector: 0x03}}
                  - {advance: 1us}
                  - {ipi: {from: 1, to: 0, vector: 0x03}}
                  - {advance: 1us}
                """);
            var capture = Path.Combine(dir, "capture.txt");
            var trace = CliRunner.Run("trace", scenario, "-o", capture, "--format", "ftrace");
            Assert.True(trace.Exit == 0, trace.Err);
            var replay = CliRunner.Run("replay", capture, "--json");
            Assert.True(replay.Exit == 0, replay.Err);
            var run = CliRunner.Run("run", scenario, "--json");
            Assert.True(run.Exit == 0, run.Err);

            var err = JsonNode.Parse(run.Out)!["interrupts"]!["rows"]!.AsArray().Single(r => (string)r!["row"]! == "ERR")!;
            Assert.Equal(runErr, Counts(err["counts"]!));
            var report = JsonNode.Parse(replay.Out)!;
            Assert.Equal([0, 1], report["cpus"]!.AsArray().Select(c => (int)c!));
            var replayed = report["rates"]!.AsArray().Single(r => (string)r!["row"]! == "ERR")!;
            Assert.Equal([2UL, 2UL], Counts(replayed["counts"]!));
            Assert.Equal(runErr.Aggregate(0UL, (a, b) => a + b), (ulong)replayed["total"]!);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static ulong[] Counts(JsonNode counts) => [.. counts.AsArray().Select(c => (ulong)c!)];
}
