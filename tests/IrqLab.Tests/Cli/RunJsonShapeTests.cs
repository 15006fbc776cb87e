using System.Text.Json;
using IrqLab.Tests.Robustness;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// SCENARIOS.md §10, the output of <c>irqlab run FILE --json</c>, checked field by field (<see cref="RunJsonShape"/>) on
/// scenarios that reach every kind of entry: linux and bare mode, IDT and FRED, guest and host handlers, VM exits with
/// and without a vector and a re-injection, faults, kernel lines, reads of every target (64-bit values above 2^53
/// printed exactly), a seed written in hex and at the top of its range, a name with quotes, controls and non-ASCII text.
/// Each runs as written in YAML and translated to JSON, which must print the same bytes except <c>stats.wall_ms</c>
/// (SCENARIOS.md §1: a scenario may be YAML or JSON).
/// </summary>
public sealed class RunJsonShapeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("irqlab-json-shape-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Case name, scenario, raw JSON fragments the output must contain (exact number text).</summary>
    public static TheoryData<string, string, string[]> Cases() => new()
    {
        {
            "bare x2APIC: 64-bit reads, hex seed at 2^64-1, name with quotes and non-ASCII",
            """
            irqlab: 1
            name: "reads \"quoted\" é 中文 😀 \\ tab\t"
            seed: 0xFFFFFFFFFFFFFFFF
            kernel: {mode: bare}
            machine: {cpus: 2, apic: x2apic, tsc_hz: 3000000000}
            handlers:
              - {vector: 0x41, do: [{read: {reg: apic.isr, as: isr_in}}, {read: {reg: apic.tmr, as: tmr_in}}, eoi]}
            steps:
              - write: {cpu: 0, msr: 0x830, value: 0x0000000100004041}
              - read: {cpu: 0, reg: apic.icr, as: icr}
              - write: {ioapic: 0, reg: redir.3, value: 0xFF00000000018040}
              - read: {ioapic: 0, reg: redir.3, as: redir3}
              - write: {cpu: 1, reg: apic.lvt.timer, value: 0x40041}
              - write: {cpu: 1, msr: 0x6E0, value: 0xFFFFFFFFFFFFFFFF}
              - read: {cpu: 1, msr: 0x6E0, as: tsc_deadline}
              - advance: 9007199254740993
              - read: {cpu: 1, msr: 0x10, as: tsc}
              - read: {cpu: 0, reg: apic.irr, as: irr}
            run: {until: 9007199254740995}
            """,
            [
                "\"seed\": 18446744073709551615,", "\"icr\": 4294983745,", "\"redir3\": 18374686479671722048,",
                "\"tsc_deadline\": 18446744073709551615,", "\"tsc\": 27021597764222979,", "\"time_ns\": 9007199254740995,",
                "\"irr\": []", "\"rows\": []",
            ]
        },
        {
            "bare FRED: unhandled vectors, an exception and an NMI, a level IO-APIC line",
            """
            irqlab: 1
            name: bare-fred
            seed: 12345678901234567890
            kernel: {mode: bare, delivery: fred, version: "6.9"}
            machine: {cpus: 1}
            devices:
              - {name: disk, line: {ioapic: 0, pin: 5, trigger: level}}
            handlers:
              - {vector: 0x40, do: [{read: {reg: apic.tmr, as: tmr}}, {lower: disk}, eoi]}
            steps:
              - write: {ioapic: 0, reg: redir.5, value: 0x8040}
              - cli: {cpu: 0}
              - raise: disk
              - ipi: {to: self, vector: 0x3F}
              - ipi: {to: self, vector: 0x30}
              - read: {reg: apic.irr, as: irr}
              - sti: {cpu: 0}
              - exception: {cpu: 0, vector: 3}
              - ipi: {to: self, mode: nmi}
              - advance: 1us
            """,
            ["\"seed\": 12345678901234567890,", "\"irr\": [\n      48,\n      63,\n      64\n    ]", "\"tmr\": [\n      64\n    ]", "\"handler\": \"unhandled\""]
        },
        {
            "linux 6.1 IDT: device, unused and spurious vectors, exceptions, ERR/MIS as one global count",
            """
            irqlab: 1
            name: linux-misc
            kernel: {version: "6.1"}
            machine: {cpus: 2}
            devices:
              - {name: disk, line: {ioapic: 0, pin: 5, trigger: level}, handler: {returns: none}}
              - {name: kbd, line: {isa: 1}}
              - {name: nic, msix: {vectors: 2, affinity: [0, 1]}}
            steps:
              - ipi: {from: 0, to: 1, vector: 0x90}
              - exception: {cpu: 0, vector: 14, error_code: 2, cr2: 0x1000}
              - ipi: {from: 0, to: 0, vector: 0x05}
              - pulse: disk
              - raise: kbd
              - raise: {device: nic, vector_index: 1}
              - advance: 1us
              - read: {port: 0x4D0, as: elcr}
              - expect: {row: "5", cpu: 0, equals: 1}
            run: {until: 5us}
            """,
            ["\"row\": \"ERR\",\n        \"counts\": [\n          1\n        ],\n        \"desc\": \"\"", "\"actions\": \"disk\"", "\"irq\": 5,", "\"irq\": null,"]
        },
        {
            "linux latest FRED with two VMs: EXTERNAL_INTERRUPT with and without a vector, EXCEPTION_NMI, HLT",
            """
            irqlab: 1
            name: vm-mix
            kernel: {version: latest, delivery: fred}
            machine: {cpus: 2}
            devices:
              - {name: eth0, msix: {vectors: 1, affinity: [1]}}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                reinject: software
                exception_bitmap: [14]
                handlers:
                  - {vector: 0x30, do: [sti, {advance: 2us}, eoi]}
                  - {vector: 0x50, do: [eoi]}
              - name: g1
                vcpus: [{cpu: 0}]
                ack_interrupt_on_exit: false
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {advance: 500ns}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x50}}
              - {ipi: {from: 0, to: 1, vector: RESCHEDULE_VECTOR}}
              - {raise: eth0}
              - {nmi: {cpu: 1}}
              - {advance: 3us}
              - {exception: {cpu: 1, vector: 14, error_code: 2, cr2: 0x1000}}
              - {vm: {op: enter, vm: g1, vcpu: 0}}
              - {ipi: {from: 1, to: 0, vector: CALL_FUNCTION_SINGLE_VECTOR}}
              - {advance: 1us}
              - {vm: {op: exit, vm: g1, vcpu: 0}}
            """,
            [
                "\"reason\": \"EXTERNAL_INTERRUPT\",\n      \"vector\": 253,\n      \"reinjected_via\": \"software\"",
                "\"reason\": \"EXTERNAL_INTERRUPT\",\n      \"vector\": null,\n      \"reinjected_via\": null",
                "\"reason\": \"EXCEPTION_NMI\",\n      \"vector\": 14,\n      \"reinjected_via\": null",
                "\"reason\": \"HLT\",\n      \"vector\": null,\n      \"reinjected_via\": null",
                "\"depth\": 1,\n      \"irq\": null,\n      \"vm\": \"g0\",\n      \"vcpu\": 0",
                "\"irq\": 24,\n      \"vm\": null,\n      \"vcpu\": null",
            ]
        },
        {
            "faults: a triple fault and a machine check, a kCFI trap",
            """
            irqlab: 1
            name: faults
            kernel: {version: "6.1", variant: rfc-2022, delivery: fred, cfi: true}
            machine: {cpus: 2}
            steps:
              - {ipi: {from: 0, to: self, vector: RESCHEDULE_VECTOR}}
              - {exception: {cpu: 1, vector: 18}}
              - {advance: 1us}
            """,
            ["\"kind\": \"cfi_failure\"", "\"kind\": \"machine_check\"", "\"kind\": \"triple_fault\""]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_json_has_the_section_10_shape_and_the_same_bytes_from_yaml_and_json(string name, string yaml, string[] fragments)
    {
        var yamlPath = Path.Combine(_dir, "s.yaml");
        var jsonPath = Path.Combine(_dir, "s.json");
        File.WriteAllText(yamlPath, yaml);
        File.WriteAllText(jsonPath, ScenarioFuzzTests.YamlAsJson(yaml));

        var fromYaml = CliRunner.Run("run", yamlPath, "--json");
        var fromJson = CliRunner.Run("run", jsonPath, "--json");

        Assert.True(fromYaml.Exit == 0, $"{name}: exit {fromYaml.Exit}: {fromYaml.Err}");
        RunJsonShape.Check(fromYaml.Out, name);
        foreach (var fragment in fragments)
        {
            Assert.True(fromYaml.Out.Contains(fragment, StringComparison.Ordinal), $"{name}: no '{fragment}' in\n{fromYaml.Out}");
        }

        Assert.Equal(Fuzz.WithoutWallMs(fromYaml.Out), Fuzz.WithoutWallMs(fromJson.Out));
    }

    [Fact]
    public void The_scenario_name_round_trips_through_the_json_string_exactly()
    {
        var path = Path.Combine(_dir, "n.yaml");
        File.WriteAllText(path, "irqlab: 1\nname: \"a\\\"b\\\\c\\u0001\\u2028 é 😀\"\nkernel: {mode: bare}\n");

        var (exit, output, _) = CliRunner.Run("run", path, "--json");

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("a\"b\\c\u0001\u2028 é 😀", doc.RootElement.GetProperty("scenario").GetString());
    }

    /// <summary>docs/cli.md: <c>dispatch_truncated</c> follows <c>dispatch</c> only when handlers were left out.</summary>
    [Theory]
    [InlineData("0", 0, true)]
    [InlineData("1", 1, true)]
    [InlineData("2", 2, true)]
    [InlineData("3", 3, false)]
    [InlineData("0x7FFFFFFF", 3, false)]
    public void Log_limit_caps_dispatch_and_says_so_only_when_entries_were_left_out(string limit, int entries, bool truncated)
    {
        var path = Path.Combine(_dir, "l.yaml");
        File.WriteAllText(path, """
            irqlab: 1
            name: three
            kernel: {mode: bare}
            handlers: [{vector: 0x40, do: [eoi]}]
            steps:
              - {ipi: {to: self, vector: 0x40}}
              - {ipi: {to: self, vector: 0x40}}
              - {ipi: {to: self, vector: 0x40}}
            """);

        var (exit, output, _) = CliRunner.Run("run", path, "--json", "--log-limit", limit);

        Assert.Equal(0, exit);
        RunJsonShape.Check(output, "--log-limit " + limit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(entries, doc.RootElement.GetProperty("dispatch").GetArrayLength());
        Assert.Equal(truncated, doc.RootElement.TryGetProperty("dispatch_truncated", out _));
        Assert.Equal(3, doc.RootElement.GetProperty("stats").GetProperty("handlers").GetInt64());
    }
}
