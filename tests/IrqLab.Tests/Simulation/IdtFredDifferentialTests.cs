using System.Globalization;
using System.Text;
using IrqLab.Scenarios;
using IrqLab.Scenarios.Model;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Issue 5's differential check at machine level: random sequences of device raises (IOAPIC edge and level lines,
/// MSI-X), IPIs (raw device vectors and system vector names, fixed / lowest / NMI mode), platform NMIs, exceptions with
/// Linux handlers, cli/sti, TPR writes and advances run under <c>kernel.delivery: idt</c> and <c>fred</c> (6.9, 6.10,
/// latest; mainline). Both must run the same handlers in the same order (cpu, vector, event, irq, depth, time), print the
/// same /proc/interrupts, messages and faults and account interrupts alike; only <c>dispatch[].path</c> of external
/// interrupts differs (<c>idt_gate</c> vs <c>sysvec_table</c>/<c>common_interrupt</c>, SCENARIOS.md §10; docs/delivery.md).
/// Every sequence is generated from its seed; a failure prints the seed and the scenario YAML, which replays it.
/// </summary>
/// <remarks>
/// Left out of the random alphabet on purpose, each with a separate test or note in docs/delivery.md: vectors 16-31 as
/// fixed IPIs (IDT runs the exception gate, FRED's <c>fred_extint</c> WARNs, SDM 11.5.2 / entry_fred.c), vector 0x80
/// (the IA32 syscall gate exists only under IDT), and exception vectors 9 and 15, which no 64-bit processor raises
/// (SDM Vol. 3A §6.15, interrupts 9 and 15).
/// </remarks>
public sealed class IdtFredDifferentialTests
{
    private const int Sequences = 10_000;
    private const ulong BaseSeed = 0x1D7F_4ED0_0000;

    private static readonly string[] s_versions = ["6.9", "6.10", "latest"];

    // Exceptions with a Linux handler in the default config (SDM Table 6-1; arch/x86/kernel/idt.c def_idts,
    // arch/x86/entry/entry_fred.c fred_hwexc / fred_intx). #MC, #VE, #CP, #VC need Kconfig options that are off by default.
    private static readonly int[] s_exceptions = [0, 1, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17, 19];

    [Fact]
    public void Idt_and_fred_machines_agree_on_10000_random_sequences_except_path()
    {
        var entries = 0L;
        for (var i = 0; i < Sequences; i++)
        {
            entries += Check(BaseSeed + (ulong)i);
        }

        // The property must exercise something: most sequences dispatch handlers.
        Assert.True(entries > Sequences * 2L, $"only {entries} handler entries over {Sequences} sequences");
    }

    /// <summary>Generates, runs and compares the sequence of <paramref name="seed"/>; returns the IDT run's handler entries.</summary>
    internal static int Check(ulong seed)
    {
        var yaml = Generate(seed);
        var idtScenario = ScenarioLoader.Parse(yaml, "diff.yaml");
        var fredScenario = idtScenario with { Kernel = idtScenario.Kernel with { Delivery = DeliveryKind.Fred } };
        var idt = Simulator.Run(idtScenario);
        var fred = Simulator.Run(fredScenario);
        var difference = Sim.Unconserved(idt) ?? Compare(idt, fred);
        if (difference is not null)
        {
            Assert.Fail($"IDT and FRED differ for seed {seed}: {difference}\n"
                + $"--- scenario (the FRED run is the same with kernel.delivery: fred) ---\n{yaml}\n"
                + $"--- idt ---\n{Sim.Describe(idt)}\n--- fred ---\n{Sim.Describe(fred)}");
        }

        return idt.Dispatch.Count;
    }

    /// <summary>The scenario YAML of <paramref name="seed"/> with <c>delivery: idt</c>.</summary>
    internal static string Generate(ulong seed)
    {
        var rng = new SplitMix64(seed);
        var version = s_versions[rng.Int(s_versions.Length)];
        var layout = VectorLayout.For(version switch
        {
            "6.9" => KernelVersion.V6_9,
            "6.10" => KernelVersion.V6_10,
            _ => KernelVersion.Latest,
        });
        var names = layout.SystemVectors.Where(v => v.Name is not null).Select(v => v.Name!).ToArray();
        var cpus = 1 + rng.Int(2);
        var levelReturns = rng.Int(3) == 0 ? "none" : "handled";
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"irqlab: 1\nname: diff-{seed}\nseed: {seed}\n");
        sb.Append(CultureInfo.InvariantCulture, $"kernel: {{version: \"{version}\", delivery: idt}}\n");
        sb.Append(CultureInfo.InvariantCulture, $"machine: {{cpus: {cpus}}}\n");
        sb.Append("devices:\n");
        sb.Append(CultureInfo.InvariantCulture,
            $"  - {{name: ata0, line: {{ioapic: 0, pin: 14, trigger: edge}}, handler: {{returns: {Pick(rng, "handled", "none", "wake_thread")}, cost: {Cost(rng, 0)}}}}}\n");
        // A level line left asserted (returns: none) storms; a cost of at least 1us keeps the storm short.
        sb.Append(CultureInfo.InvariantCulture,
            $"  - {{name: lvl0, line: {{ioapic: 0, pin: 16, trigger: level, polarity: low}}, handler: {{returns: {levelReturns}, cost: {Cost(rng, levelReturns == "none" ? 1000 : 0)}}}}}\n");
        sb.Append(CultureInfo.InvariantCulture,
            $"  - {{name: eth0, msix: {{vectors: 2, affinity: [0, {cpus - 1}]}}, handler: {{returns: handled, cost: {Cost(rng, 0)}}}}}\n");
        sb.Append("steps:\n");
        var steps = 2 + rng.Int(9);
        for (var i = 0; i < steps; i++)
        {
            sb.Append("  - ").Append(Step(rng, cpus, names)).Append('\n');
        }

        sb.Append("run: {until: 80us}\n");
        return sb.ToString();
    }

    private static string Step(SplitMix64 rng, int cpus, string[] names)
    {
        var cpu = rng.Int(cpus);
        switch (rng.Int(12))
        {
            case 0:
                return $"{{{Pick(rng, "raise", "pulse", "raise")}: ata0}}";
            case 1:
                return $"{{{Pick(rng, "raise", "lower", "pulse")}: lvl0}}";
            case 2:
                return $"{{raise: {{device: eth0, vector_index: {rng.Int(2)}}}}}";
            case 3:
            case 4:
                {
                    var to = rng.Int(5) switch
                    {
                        0 => "self",
                        1 => "all",
                        2 => "all-but-self",
                        _ => rng.Int(cpus).ToString(CultureInfo.InvariantCulture),
                    };
                    var modeRoll = rng.Int(20);
                    if (modeRoll == 0)
                    {
                        return $"{{ipi: {{from: {cpu}, to: {to}, mode: nmi}}}}";
                    }

                    string vector;
                    if (rng.Int(2) == 0)
                    {
                        vector = names[rng.Int(names.Length)];
                    }
                    else
                    {
                        // Device-range vectors except 0x80 (IA32 syscall gate under IDT only).
                        var v = 0x21 + rng.Int(0xEB - 0x21);
                        vector = "0x" + (v == 0x80 ? 0x81 : v).ToString("x2", CultureInfo.InvariantCulture);
                    }

                    var mode = modeRoll == 1 && to != "self" && to != "all" && to != "all-but-self" ? "lowest" : "fixed";
                    return $"{{ipi: {{from: {cpu}, to: {to}, vector: {vector}, mode: {mode}}}}}";
                }

            case 5:
                return $"{{nmi: {{cpu: {cpu}}}}}";
            case 6:
                {
                    var v = s_exceptions[rng.Int(s_exceptions.Length)];
                    var s = $"{{exception: {{cpu: {cpu}, vector: {v}";
                    if (ExceptionTable.Get(v).HasErrorCode)
                    {
                        // #DF and #AC always push 0 (SDM Vol. 3A 6.15); the draw is made all the same.
                        var code = rng.Int(16);
                        s += $", error_code: {(v is 8 or 17 ? 0 : code)}";
                    }

                    if (v == 14)
                    {
                        s += $", cr2: 0x{rng.Int(1 << 20) << 12:x}";
                    }

                    return s + "}}";
                }

            case 7:
                return $"{{{Pick(rng, "cli", "sti")}: {{cpu: {cpu}}}}}";
            case 8:
                return $"{{write: {{cpu: {cpu}, reg: apic.tpr, value: 0x{rng.Int(16) << 4:x2}}}}}";
            default:
                return $"{{advance: {100 + rng.Int(4900)}ns}}";
        }
    }

    private static string Cost(SplitMix64 rng, int minNs) => (minNs + (rng.Int(4) * 1000)).ToString(CultureInfo.InvariantCulture) + "ns";

    private static string Pick(SplitMix64 rng, params string[] options) => options[rng.Int(options.Length)];

    /// <summary>Null when the runs agree (paths of external interrupts aside), else what differs first.</summary>
    internal static string? Compare(RunResult idt, RunResult fred)
    {
        if (idt.Dispatch.Count != fred.Dispatch.Count)
        {
            return $"dispatch has {idt.Dispatch.Count} entries under IDT, {fred.Dispatch.Count} under FRED";
        }

        var firstSystem = fred.Kernel.FirstSystemVector;
        for (var i = 0; i < idt.Dispatch.Count; i++)
        {
            var a = idt.Dispatch[i];
            var b = fred.Dispatch[i];
            if ((a with { Path = string.Empty }) != (b with { Path = string.Empty }))
            {
                return $"dispatch[{i}]: {a} vs {b}";
            }

            string expectedFred;
            string expectedIdt;
            if (a.Event == "ext_int")
            {
                expectedIdt = "idt_gate";
                expectedFred = a.Vector >= firstSystem ? "sysvec_table" : "common_interrupt";
            }
            else
            {
                expectedIdt = expectedFred = a.Event == "nmi" ? "nmi" : "exception";
            }

            if (a.Path != expectedIdt || b.Path != expectedFred)
            {
                return $"dispatch[{i}] path: IDT {a.Path} (expected {expectedIdt}), FRED {b.Path} (expected {expectedFred})";
            }
        }

        if (idt.InterruptRows.Count != fred.InterruptRows.Count)
        {
            return $"/proc/interrupts has {idt.InterruptRows.Count} rows under IDT, {fred.InterruptRows.Count} under FRED";
        }

        for (var i = 0; i < idt.InterruptRows.Count; i++)
        {
            var a = idt.InterruptRows[i];
            var b = fred.InterruptRows[i];
            if (a.Row != b.Row || !a.Counts.SequenceEqual(b.Counts) || a.Chip != b.Chip || a.Hwirq != b.Hwirq
                || a.Actions != b.Actions || a.Desc != b.Desc)
            {
                return $"row {a.Row} [{string.Join(", ", a.Counts)}] vs {b.Row} [{string.Join(", ", b.Counts)}]";
            }
        }

        if (!idt.Messages.SequenceEqual(fred.Messages))
        {
            return "messages differ";
        }

        if (!idt.Faults.SequenceEqual(fred.Faults))
        {
            return "faults differ";
        }

        if (idt.VmExits.Count != 0 || fred.VmExits.Count != 0)
        {
            return "vm exits without a VM";
        }

        var sa = idt.Stats with { WallMs = 0, Events = 0 };
        var sb = fred.Stats with { WallMs = 0, Events = 0 };
        if (sa != sb)
        {
            return $"stats {sa} vs {sb}";
        }

        return idt.TimeNs != fred.TimeNs ? $"time {idt.TimeNs} vs {fred.TimeNs}" : null;
    }
}
