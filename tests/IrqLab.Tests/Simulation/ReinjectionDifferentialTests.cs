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
/// Issue 6, "Both must produce the same handler and counters for every vector", as a property: random sequences of host
/// events (IPIs by system-vector name and raw vector, MSI-X raises, NMIs) arriving while a guest runs, interleaved with
/// VM enter/exit, posted interrupts and injections, on every kernel version under IDT or FRED host delivery, run once with
/// <c>reinject: idt</c> and once with <c>reinject: software</c>. The two runs must agree on every handler entry, VM exit,
/// /proc/interrupts row, message and fault; only <c>dispatch[].path</c> of re-injected interrupts (idt_gate vs
/// sysvec_table/common_interrupt) and <c>vmexits[].reinjected_via</c> differ. Mainline only (rfc-2022 with kCFI
/// differs on purpose: VmxScenarioTests). A failure prints the seed and the YAML.
/// </summary>
public sealed class ReinjectionDifferentialTests
{
    private const int Sequences = 3000;
    private const ulong BaseSeed = 0x6E1E_C700_0000;

    private static readonly (string Name, KernelVersion Version)[] s_versions =
        [("6.1", KernelVersion.V6_1), ("6.6", KernelVersion.V6_6), ("6.9", KernelVersion.V6_9), ("6.10", KernelVersion.V6_10), ("latest", KernelVersion.Latest)];

    [Fact]
    public void Idt_and_software_reinjection_agree_on_random_guest_sequences_except_path()
    {
        var exits = 0L;
        for (var i = 0; i < Sequences; i++)
        {
            exits += Check(BaseSeed + (ulong)i);
        }

        Assert.True(exits > Sequences, $"only {exits} VM exits over {Sequences} sequences");
    }

    private static int Check(ulong seed)
    {
        var yaml = Generate(seed);
        var idtScenario = ScenarioLoader.Parse(yaml, "reinject.yaml");
        var softwareScenario = idtScenario with { Vms = [idtScenario.Vms[0] with { Reinject = ReinjectKind.Software }] };
        var idt = Simulator.Run(idtScenario);
        var software = Simulator.Run(softwareScenario);
        var difference = Sim.Unconserved(idt) ?? Compare(idt, software);
        if (difference is not null)
        {
            Assert.Fail($"reinject idt and software differ for seed {seed}: {difference}\n"
                + $"--- scenario (the software run is the same with reinject: software) ---\n{yaml}\n"
                + $"--- idt ---\n{Sim.Describe(idt)}\n--- software ---\n{Sim.Describe(software)}");
        }

        return idt.VmExits.Count;
    }

    internal static string Generate(ulong seed)
    {
        var rng = new SplitMix64(seed);
        var (version, kv) = s_versions[rng.Int(s_versions.Length)];
        var delivery = kv >= KernelVersion.V6_9 && rng.Int(2) == 0 ? "fred" : "idt";
        var layout = VectorLayout.For(kv);
        var names = layout.SystemVectors.Where(v => v.Name is not null).Select(v => v.Name!).ToArray();
        var apicv = rng.Int(3) != 0;
        var posted = rng.Int(3) != 0;
        var ack = posted || rng.Int(3) != 0;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"irqlab: 1\nname: reinject-{seed}\nseed: {seed}\n");
        sb.Append(CultureInfo.InvariantCulture, $"kernel: {{version: \"{version}\", delivery: {delivery}}}\n");
        sb.Append("machine: {cpus: 2}\n");
        sb.Append(CultureInfo.InvariantCulture, $"devices:\n  - {{name: eth0, msix: {{vectors: 2, affinity: [1, 1]}}, handler: {{returns: handled, cost: {rng.Int(3)}us}}}}\n");
        sb.Append("vms:\n  - name: g0\n    vcpus: [{cpu: 1}]\n    reinject: idt\n");
        sb.Append(CultureInfo.InvariantCulture, $"    ack_interrupt_on_exit: {(ack ? "true" : "false")}\n");
        sb.Append(CultureInfo.InvariantCulture, $"    posted_interrupts: {(posted ? "true" : "false")}\n");
        sb.Append(CultureInfo.InvariantCulture, $"    apicv: {(apicv ? "true" : "false")}\n");
        sb.Append("    handlers:\n");
        foreach (var v in new[] { 2, 0x30, 0x31, 0x32, 0x40 })
        {
            var body = rng.Int(2) == 0 ? "[eoi]" : $"[{{advance: {1 + rng.Int(4)}us}}, eoi]";
            sb.Append(CultureInfo.InvariantCulture, $"      - {{vector: 0x{v:x2}, do: {(v == 2 ? "[]" : body)}}}\n");
        }

        sb.Append("steps:\n  - {vm: {op: enter, vm: g0, vcpu: 0}}\n");
        var steps = 2 + rng.Int(10);
        var entered = true;
        for (var i = 0; i < steps; i++)
        {
            sb.Append("  - ").Append(Step(rng, names, ref entered)).Append('\n');
        }

        sb.Append("run: {until: 60us}\n");
        return sb.ToString();
    }

    // entered: whether an enter step has put g0 in guest mode and no exit step has taken it out since; an exit step
    // is only legal then (docs/scenario-loader.md, vm steps), so an exit drawn while g0 is out becomes an enter.
    private static string Step(SplitMix64 rng, string[] names, ref bool entered)
    {
        switch (rng.Int(12))
        {
            case 0:
            case 1:
            case 2:
                return $"{{ipi: {{from: 0, to: 1, vector: {names[rng.Int(names.Length)]}}}}}";
            case 3:
                return $"{{ipi: {{from: 0, to: 1, vector: 0x{0x21 + rng.Int(0x5F):x2}}}}}";
            case 4:
                return $"{{raise: {{device: eth0, vector_index: {rng.Int(2)}}}}}";
            case 5:
                return "{nmi: {cpu: 1}}";
            case 6:
                return $"{{vm: {{op: post, vm: g0, vcpu: 0, vector: 0x{0x30 + rng.Int(3):x2}}}}}";
            case 7:
                entered = rng.Int(2) != 0 || !entered;
                return entered ? "{vm: {op: enter, vm: g0, vcpu: 0}}" : "{vm: {op: exit, vm: g0, vcpu: 0}}";
            case 8:
                return rng.Int(2) == 0 ? "{vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x40}}" : "{vm: {op: inject, vm: g0, vcpu: 0, type: nmi}}";
            default:
                return $"{{advance: {200 + rng.Int(5000)}ns}}";
        }
    }

    private static string? Compare(RunResult idt, RunResult software)
    {
        if (idt.Dispatch.Count != software.Dispatch.Count)
        {
            return $"dispatch has {idt.Dispatch.Count} entries with reinject idt, {software.Dispatch.Count} with software";
        }

        for (var i = 0; i < idt.Dispatch.Count; i++)
        {
            var a = idt.Dispatch[i];
            var b = software.Dispatch[i];
            if ((a with { Path = string.Empty }) != (b with { Path = string.Empty }))
            {
                return $"dispatch[{i}]: {a} vs {b}";
            }

            if (a.Path != b.Path && !(a.Path == "idt_gate" && a.Event == "ext_int" && a.Vm is null && b.Path is "sysvec_table" or "common_interrupt"))
            {
                return $"dispatch[{i}] path: {a.Path} vs {b.Path}";
            }
        }

        if (idt.VmExits.Count != software.VmExits.Count)
        {
            return $"{idt.VmExits.Count} VM exits with reinject idt, {software.VmExits.Count} with software";
        }

        for (var i = 0; i < idt.VmExits.Count; i++)
        {
            var a = idt.VmExits[i];
            var b = software.VmExits[i];
            var viaOk = (a.ReinjectedVia, b.ReinjectedVia) is (null, null) or ("idt", "software");
            if ((a with { ReinjectedVia = null }) != (b with { ReinjectedVia = null }) || !viaOk)
            {
                return $"vmexits[{i}]: {a} vs {b}";
            }
        }

        var rowsA = idt.InterruptRows.Select(r => r.Row + ":" + string.Join(",", r.Counts));
        var rowsB = software.InterruptRows.Select(r => r.Row + ":" + string.Join(",", r.Counts));
        if (!rowsA.SequenceEqual(rowsB))
        {
            return "/proc/interrupts differs";
        }

        if (!idt.Messages.SequenceEqual(software.Messages))
        {
            return "messages differ";
        }

        if (!idt.Faults.SequenceEqual(software.Faults))
        {
            return "faults differ";
        }

        var sa = idt.Stats with { WallMs = 0, Events = 0 };
        var sb = software.Stats with { WallMs = 0, Events = 0 };
        return sa != sb ? $"stats {sa} vs {sb}" : null;
    }
}
