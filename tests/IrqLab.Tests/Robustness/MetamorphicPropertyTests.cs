using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;
using IrqLab.Scenarios;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;
using Xunit;
using Xunit.Sdk;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// Metamorphic properties: pairs of scenarios that SCENARIOS.md says must give the same JSON (minus
/// <c>stats.wall_ms</c>), or JSON related in a known way, so no absolute prediction is needed. Each property states the
/// contract text it rests on; the scenarios come from <see cref="ScenarioGrammar"/> (Linux and bare, IDT and FRED, VMs,
/// level and edge lines, the 8259, timers, IPIs, workloads). Where a transformation adds steps, the step indices in
/// <c>expects</c> and in IrqLab's own <c>steps[N]</c> warnings are mapped back, and <c>stats.events</c> (which counts
/// steps, docs/simulation.md "Safety bounds") must grow by exactly the number of steps added.
/// </summary>
public sealed partial class MetamorphicPropertyTests
{
    /// <summary>Scenarios per property (raise with IRQLAB_FUZZ_SCALE for a longer search).</summary>
    public const int Iterations = 30;

    private static readonly Gen<(GeneratedScenario Scenario, ulong Choice)> s_cases =
        Gen.Select(
            Gen.OneOf(ScenarioGrammar.Scenarios(20), ScenarioGrammar.EventSequences(20), ScenarioGrammar.VmEventSequences(20), ScenarioGrammar.FeatureSequences(15)),
            Gen.ULong);

    /// <summary>
    /// §7 "executed in order at the current simulated time; time moves only through advance": <c>{advance: T}</c> and
    /// <c>{advance: a}, {advance: T-a}</c> (0 &lt; a &lt; T, often at the instant of a dispatched handler, ±1 ns) run the same
    /// machine; so does a file with <c>{advance: 0}</c> inserted anywhere.
    /// </summary>
    [Fact]
    public void Splitting_an_advance_or_adding_a_zero_advance_changes_nothing() =>
        ForEach(20261128, (g, a, ch) =>
        {
            var (head, steps, tail) = SplitSteps(g.Yaml);
            var advances = Enumerable.Range(0, steps.Count).Where(i => AdvanceOf(steps[i]) is > 1).ToList();
            if (advances.Count > 0)
            {
                var i = advances[ch.Pick(advances.Count)];
                var d = AdvanceOf(steps[i])!.Value;
                var start = steps.Take(i).Sum(s => AdvanceOf(s) ?? 0);
                var times = a.Root["dispatch"]!.AsArray().Select(x => (long)x!["t_ns"]!).Where(t => t > start && t < start + d).Distinct().ToList();
                var cut = times.Count > 0 && ch.Pick(3) != 0 ? times[ch.Pick(times.Count)] - start - 1 + ch.Pick(3) : 0;
                cut = cut > 0 && cut < d ? cut : 1 + (long)(ch.Next() % (ulong)(d - 1));
                var split = steps.ToList();
                split[i] = Advance(cut);
                split.Insert(i + 1, Advance(d - cut));
                Same(g, a, Join(head, split, tail), Inserted(split.Count, i + 1));
            }

            var at = ch.Pick(steps.Count + 1);
            var zero = steps.ToList();
            zero.Insert(at, "{advance: 0}");
            Same(g, a, Join(head, zero, tail), Inserted(zero.Count, at));
        });

    /// <summary>
    /// §2 "run: {until: X}: after the steps, run until this simulated time": the same as a last step
    /// <c>{advance: X - now}</c>, with <c>run.until</c> X or any time already passed (docs/simulation.md: "the run ends where
    /// the steps ended").
    /// </summary>
    [Fact]
    public void Run_until_is_a_final_advance() =>
        ForEach(20261129, (g, a, ch) =>
        {
            var (head, steps, tail) = SplitSteps(g.Yaml);
            var until = Regex.Match(g.Yaml, @"run: \{until: ([^}]+)\}");
            if (!until.Success || Duration(until.Groups[1].Value) is not { } x)
            {
                return;
            }

            var now = steps.Sum(s => AdvanceOf(s) ?? 0);
            if (x <= now)
            {
                return;
            }

            var longer = steps.ToList();
            longer.Add(Advance(x - now));
            var newTail = ch.Pick(2) == 0 ? tail : tail.Select(l => l.StartsWith("run:", StringComparison.Ordinal) ? "run: {until: 1ns}" : l).ToList();
            Same(g, a, Join(head, longer, newTail), Inserted(longer.Count, steps.Count));
        });

    /// <summary>
    /// §10 "--log-limit N caps dispatch (default 10000; "dispatch_truncated": true)" and docs/cli.md (the key is absent
    /// unless handlers were left out): the capped list is the first N entries, every other field equal.
    /// </summary>
    [Fact]
    public void Log_limit_keeps_a_prefix_of_dispatch_and_nothing_else_changes() =>
        ForEach(20261130, (g, a, ch) =>
        {
            var all = a.Root["dispatch"]!.AsArray();
            var limit = ch.Pick(all.Count + 2);
            var b = Run(g.Yaml, limit);
            var expected = (JsonObject)a.Root.DeepClone();
            expected["dispatch"] = new JsonArray([.. all.Take(limit).Select(n => n!.DeepClone())]);
            var actual = (JsonObject)b.Root.DeepClone();
            var truncated = actual["dispatch_truncated"];
            actual.Remove("dispatch_truncated");
            Assert.True(all.Count > limit ? truncated is not null && (bool)truncated : truncated is null, $"dispatch_truncated {truncated} with {all.Count} handlers and --log-limit {limit}\n{g}");
            AssertSame(expected.ToJsonString(), actual.ToJsonString(), $"--log-limit {limit}", g.Yaml, g.Yaml);
        });

    /// <summary>
    /// §2 "seed: all randomness derives from it": without a random workload (Poisson arrivals, the <c>ipis</c> workload,
    /// or a multi-vector device's workload, which picks a vector at random: docs/simulation.md) only the top-level
    /// <c>seed</c> field changes.
    /// </summary>
    [Fact]
    public void Seed_changes_nothing_without_a_random_workload() =>
        ForEach(20261131, (g, a, ch) =>
        {
            if (Regex.IsMatch(g.Yaml, "poisson|ipis:") || MultiVectorWorkload(g.Yaml))
            {
                return;
            }

            var seed = 2 + ch.Pick(100_000);
            var b = Run(g.Yaml, seed: (ulong)seed);
            Assert.Equal(seed, (int)b.Root["seed"]!);
            var x = (JsonObject)a.Root.DeepClone();
            var y = (JsonObject)b.Root.DeepClone();
            x.Remove("seed");
            y.Remove("seed");
            AssertSame(x.ToJsonString(), y.ToJsonString(), $"--seed {seed}", g.Yaml, g.Yaml);
        });

    /// <summary>
    /// §5/§9/§10: a device's name appears only as itself (<c>actions</c>, kernel lines that print the action), a VM's
    /// only as itself (<c>dispatch[].vm</c>, <c>vmexits[].vm</c>, messages); the scenario's name only in <c>scenario</c>. The modelled <c>%pS</c> size of <c>NAME_interrupt</c> is a hash of the
    /// name (KernelSymbols), so it is masked.
    /// </summary>
    [Fact]
    public void Renaming_devices_and_the_scenario_changes_only_the_names() =>
        ForEach(20261201, (g, a, ch) =>
        {
            var renamed = VmName().Replace(DeviceName().Replace(g.Yaml, "nic$1x"), "guest$1y");
            renamed = Regex.Replace(renamed, "(?m)^name: .*$", "name: renamed-" + ch.Pick(1000).ToString(CultureInfo.InvariantCulture));
            var b = Run(renamed);
            var x = (JsonObject)a.Root.DeepClone();
            var y = (JsonObject)JsonNode.Parse(Regex.Replace(Regex.Replace(b.Root.ToJsonString(), @"\bnic(\d+)x", "dev$1"), @"\bguest(\d+)y", "g$1"))!;
            x.Remove("scenario");
            y.Remove("scenario");
            AssertSame(MaskSymbolSizes(x.ToJsonString()), MaskSymbolSizes(y.ToJsonString()), "renamed", g.Yaml, renamed);
        });

    /// <summary>
    /// §7: a <c>read</c> records a value; §7 expects are "ignored by run". A read of a register that the SDM reads without
    /// side effects (local APIC registers readable in the current mode, IO-APIC registers, the 8259 IMRs and ELCR, port
    /// 0x61) and any expect change nothing but <c>reads</c> and <c>expects</c>. Not inserted: x2APIC-only or write-only
    /// registers (RDMSR #GP, SDM Vol. 3A 11.12.1.2; a reserved xAPIC offset sets ESR bit 7, 11.5.3), APR and DFR on a
    /// machine that is or may switch to x2APIC, the 8259 command ports (a read after an OCW3 poll is an INTA, 8259A
    /// datasheet) and <c>handlers</c> expects (each one starts the next one's window, §7).
    /// </summary>
    [Fact]
    public void Side_effect_free_reads_and_expects_are_transparent() =>
        ForEach(20261202, (g, a, ch) =>
        {
            var (head, steps, tail) = SplitSteps(g.Yaml);
            var cpus = int.Parse(Regex.Match(g.Yaml, @"cpus: (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
            var mayBeX2 = g.Yaml.Contains("x2apic", StringComparison.Ordinal) || g.Yaml.Contains("msr: 0x1B", StringComparison.Ordinal);
            string[] apic = mayBeX2 ? s_readableEverywhere : [.. s_readableEverywhere, "apr", "dfr"];
            var target = ch.Pick(3) switch
            {
                0 => s_otherTargets[ch.Pick(s_otherTargets.Length)],
                _ => $"cpu: {ch.Pick(cpus)}, reg: apic.{apic[ch.Pick(apic.Length)]}",
            };
            var at = ch.Pick(steps.Count + 1);
            var read = steps.ToList();
            read.Insert(at, $"{{read: {{{target}, as: zz_probe}}}}");
            Same(g, a, Join(head, read, tail), Inserted(read.Count, at), "zz_probe");

            var expect = ch.Pick(4) switch
            {
                0 => $"{{expect: {{cpu: {ch.Pick(cpus)}, reg: apic.{s_scalar[ch.Pick(s_scalar.Length)]}, equals: 0}}}}",
                1 => $"{{expect: {{cpu: {ch.Pick(cpus)}, reg: apic.isr, equals: []}}}}",
                2 => "{expect: {row: LOC, cpu: 0, at_least: 1}}",
                _ => "{expect: {message: \"nobody cared\"}}",
            };
            at = ch.Pick(steps.Count + 1);
            var withExpect = steps.ToList();
            withExpect.Insert(at, expect);
            Same(g, a, Join(head, withExpect, tail), Inserted(withExpect.Count, at));
        });

    /// <summary>
    /// §1 "Numbers may be decimal or 0x hex. Durations are strings with a unit ... or an integer meaning nanoseconds":
    /// every hex number written in decimal and every duration written as integer nanoseconds or <c>"Nns"</c> runs the same.
    /// </summary>
    [Fact]
    public void Hex_decimal_and_duration_spellings_are_equivalent() =>
        ForEach(20261203, (g, a, ch) =>
        {
            var yaml = HexNumber().Replace(g.Yaml, m => ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
            yaml = DurationValue().Replace(yaml, m => ch.Pick(2) == 0
                ? Duration(m.Value)!.Value.ToString(CultureInfo.InvariantCulture)
                : "\"" + Duration(m.Value)!.Value.ToString(CultureInfo.InvariantCulture) + "ns\"");
            Same(g, a, yaml, null);
        });

    /// <summary>
    /// §6 "{advance: DURATION} (time spent in the handler)": a bare or Linux-mode host handler's <c>{advance: T}</c> split
    /// in two, or preceded by <c>{advance: 0}</c>, and a side-effect-free <c>read</c> action added, change nothing but
    /// <c>reads</c> (and <c>stats.events</c>, the engine's work, where an advance action is added). (Guest handlers are left alone: a guest's <c>read</c> action may exit, without APICv or for the xAPIC PPR, docs/simulation.md "Guest handlers' actions".)
    /// </summary>
    [Fact]
    public void Handler_advances_split_and_handler_reads_are_transparent() =>
        ForEach(20261204, (g, a, ch) =>
        {
            var lines = g.Yaml.Split('\n');
            var vmsAt = Array.IndexOf(lines, "vms:");
            var handlers = Enumerable.Range(0, vmsAt < 0 ? lines.Length : vmsAt).Where(i => lines[i].Contains("do: [", StringComparison.Ordinal)).ToList();
            if (handlers.Count == 0)
            {
                return;
            }

            var li = handlers[ch.Pick(handlers.Count)];
            var line = lines[li];
            string With(string replacement) => string.Join('\n', lines.Select((l, i) => i == li ? replacement : l));
            var advances = AdvanceAction().Matches(line).Where(m => Duration(m.Groups[1].Value) is > 1).ToList();
            if (advances.Count > 0)
            {
                var m = advances[ch.Pick(advances.Count)];
                var d = Duration(m.Groups[1].Value)!.Value;
                var cut = 1 + (long)(ch.Next() % (ulong)(d - 1));
                // stats.events counts the engine's events (docs/simulation.md), and each handler advance is one.
                Same(g, a, With(line[..m.Index] + Advance(cut) + ", " + Advance(d - cut) + line[(m.Index + m.Length)..]), null, workDiffers: true);
                Same(g, a, With(line[..m.Index] + "{advance: 0}, " + line[m.Index..]), null, workDiffers: true);
            }

            var at = line.IndexOf("do: [", StringComparison.Ordinal) + 5;
            var reg = s_readableEverywhere[ch.Pick(s_readableEverywhere.Length)];
            Same(g, a, With(line[..at] + $"{{read: {{reg: apic.{reg}, as: zz_handler}}}}, " + line[at..]), null, "zz_handler");
        });

    /// <summary>
    /// The defaults SCENARIOS.md states, written out, change nothing: §4 <c>apic_timer_hz</c> and <c>tsc_hz</c> 1 GHz,
    /// <c>nmi_watchdog: false</c>, one 24-pin IO-APIC with ID 0, <c>pic: true</c>; §3 the listed Kconfig options true;
    /// §5 <c>shared: false</c>; §2 <c>run</c> "default: until idle".
    /// </summary>
    [Fact]
    public void Explicit_defaults_change_nothing() =>
        ForEach(20261205, (g, a, _) =>
        {
            var yaml = g.Yaml;
            var machine = MachineLine().Match(yaml);
            if (!machine.Success)
            {
                return;
            }

            var body = machine.Groups[1].Value;
            var added = new[] { ("apic_timer_hz", "apic_timer_hz: 1000000000"), ("tsc_hz", "tsc_hz: 1000000000"), ("nmi_watchdog", "nmi_watchdog: false"), ("ioapics", "ioapics: [{id: 0, pins: 24}]"), ("pic:", "pic: true") }
                .Where(d => !body.Contains(d.Item1, StringComparison.Ordinal)).Select(d => ", " + d.Item2);
            yaml = yaml.Replace(machine.Value, "machine: {" + body + string.Concat(added) + "}", StringComparison.Ordinal);
            var kernel = KernelLine().Match(yaml);
            if (!kernel.Groups[1].Value.Contains("config", StringComparison.Ordinal))
            {
                yaml = yaml.Replace(kernel.Value, "kernel: {" + kernel.Groups[1].Value + ", config: {SMP: true, X86_LOCAL_APIC: true, X86_THERMAL_VECTOR: true, " +
                    "X86_MCE_THRESHOLD: true, X86_MCE_AMD: true, HAVE_KVM: true, IRQ_WORK: true, X86_POSTED_MSI: true, IA32_EMULATION: true}}", StringComparison.Ordinal);
            }

            yaml = UnsharedLine().Replace(yaml, "$1, shared: false").Replace("run: {until: idle}\n", string.Empty, StringComparison.Ordinal);
            Same(g, a, yaml, null);
        });

    /// <summary>
    /// §7: the named local-APIC registers and their raw forms (<c>mmio</c> 0xFEE00000 + offset in xAPIC mode, <c>msr</c>
    /// 0x800 + offset/16 in x2APIC mode, SDM Vol. 3A Tables 11-1 and 11-6) are one register; an <c>ipi</c> step "writes the
    /// sender's ICR" (vector, delivery mode, logical bit 11, level bit 14, shorthand bits 19:18, destination in 63:56 or
    /// 63:32; in xAPIC mode also as ICR high then ICR low); <c>pulse</c> "asserts-then-deasserts", as <c>raise</c> then
    /// <c>lower</c> do. (IrqLab's warning for a step on a CPU that executes no program names the step's kind, so those
    /// lines are left out.)
    /// </summary>
    [Fact]
    public void Named_and_raw_register_forms_and_pulse_are_equivalent() =>
        ForEach(20261206, (g, a, ch) =>
        {
            if (g.Yaml.Contains("msr: 0x1B", StringComparison.Ordinal))
            {
                return; // the APIC may change mode (and so which raw form reaches it) during the run
            }

            var x2 = g.Yaml.Contains("apic: x2apic", StringComparison.Ordinal);
            var levelPic = MayLevelSense8259(g.Yaml);
            var (head, steps, tail) = SplitSteps(g.Yaml);
            var rewritten = new List<string>();
            var map = new List<int>();
            for (var i = 0; i < steps.Count; i++)
            {
                var forms = levelPic && IsaPulse(steps[i], g.Yaml) ? null : RawForms(steps[i], x2, ch);
                if (forms is null || ch.Pick(4) == 0)
                {
                    rewritten.Add(steps[i]);
                    map.Add(i);
                    continue;
                }

                for (var k = 0; k < forms.Count; k++)
                {
                    rewritten.Add(forms[k]);
                    map.Add(k == 0 ? i : -1);
                }
            }

            Same(g, WithoutNoProgramLines(a), Join(head, rewritten, tail), [.. map], transform: WithoutNoProgramLines);
        });

    /// <summary>
    /// Why <see cref="Named_and_raw_register_forms_and_pulse_are_equivalent"/> keeps the <c>pulse</c> of an ISA device when
    /// an 8259 input may be level-sensed: with ELCR bit 3 set, a pulse of IRQ 3 is withdrawn before any INTA (nothing
    /// delivered, both sides dropped), while raise then lower lets LINT0 (ExtINT) take vector 0x3B between the steps.
    /// </summary>
    [Theory]
    [InlineData("  - {pulse: dev0}\n", 0)]
    [InlineData("  - {raise: dev0}\n  - {lower: dev0}\n", 1)]
    public void A_level_sensed_8259_input_makes_pulse_and_raise_lower_differ(string stepsText, long delivered)
    {
        var yaml = """
            irqlab: 1
            name: elcr-pulse
            kernel: {mode: bare}
            machine: {cpus: 1}
            devices:
              - {name: dev0, line: {isa: 3}}
            handlers:
              - {vector: 0x3B, do: []}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {write: {port: 0x21, value: 0x38}}
              - {write: {port: 0x21, value: 0x04}}
              - {write: {port: 0x21, value: 0x1}}
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: 0x700}}
              - {write: {port: 0x4D0, value: 0x08}}

            """ + stepsText;
        var r = Simulator.Run(ScenarioLoader.Parse(yaml, "elcr-pulse.yaml"), new SimulationOptions());
        Assert.Equal(delivered, r.Stats.Delivered);
        Assert.True(MayLevelSense8259(yaml));
        Assert.True(IsaPulse("{pulse: dev0}", "  - {name: dev0, line: {isa: 3}}"));
        Assert.False(MayLevelSense8259("steps:\n  - {write: {port: 0x20, value: 0x11}}\n"));
        Assert.True(MayLevelSense8259("steps:\n  - {write: {port: 0xA0, value: 0x19}}\n"));
    }

    /// <summary>
    /// Whether an 8259 input may be level-sensed: an ELCR write (port 0x4D0/0x4D1) or an ICW1 with LTIM (bits 4 and 3 of a
    /// write to port 0x20/0xA0). A <c>pulse</c> of such an input is withdrawn before any INTA and delivers nothing
    /// (docs/simulation.md, 8259: "A level-sensed input (ELCR) withdrawn before the INTA takes its request back"), while
    /// <c>raise</c> then <c>lower</c> lets the CPU take the request between the two steps ("After every step the machine
    /// is pumped at the same instant"), so the two forms are not one there. Found by the eighteenth session's soak
    /// (IRQLAB_FUZZ_SCALE=4, IRQLAB_FUZZ_SEED=1801: ELCR 0xED made ISA IRQ 3 level-sensed, and LINT0 in ExtINT mode took
    /// vector 0x3B between raise and lower).
    /// </summary>
    internal static bool MayLevelSense8259(string yaml)
    {
        if (yaml.Contains("port: 0x4D0", StringComparison.Ordinal) || yaml.Contains("port: 0x4D1", StringComparison.Ordinal))
        {
            return true;
        }

        foreach (Match m in PicCommandWrite().Matches(yaml))
        {
            if ((Number(m.Groups[1].Value) & 0x18) == 0x18)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the step pulses a device on an ISA line (which reaches the 8259).</summary>
    private static bool IsaPulse(string step, string yaml) =>
        PulseStep().Match(step) is { Success: true } pulse
        && yaml.Contains("{name: " + pulse.Groups[1].Value + ", line: {isa:", StringComparison.Ordinal);

    private static readonly Dictionary<string, int> s_apicOffsets = new()
    {
        ["tpr"] = 0x80, ["eoi"] = 0xB0, ["svr"] = 0xF0, ["esr"] = 0x280, ["lvt.cmci"] = 0x2F0, ["lvt.timer"] = 0x320, ["lvt.thermal"] = 0x330,
        ["lvt.pmc"] = 0x340, ["lvt.lint0"] = 0x350, ["lvt.lint1"] = 0x360, ["lvt.error"] = 0x370, ["timer.initial"] = 0x380, ["timer.divide"] = 0x3E0,
    };

    private static readonly Dictionary<string, ulong> s_deliveryModes = new() { ["fixed"] = 0, ["lowest"] = 1, ["smi"] = 2, ["nmi"] = 4, ["init"] = 5, ["sipi"] = 6 };

    /// <summary>The step written with raw register accesses, or null when it has none (or its ICR cannot hold it).</summary>
    private static List<string>? RawForms(string step, bool x2, Picks ch)
    {
        if (PulseStep().Match(step) is { Success: true } pulse)
        {
            return ["{raise: " + pulse.Groups[1].Value + "}", "{lower: " + pulse.Groups[1].Value + "}"];
        }

        string cpu;
        ulong icr;
        if (NamedWrite().Match(step) is { Success: true } write)
        {
            cpu = write.Groups[1].Value;
            var value = Number(write.Groups[3].Value);
            if (s_apicOffsets.TryGetValue(write.Groups[2].Value, out var offset))
            {
                return [x2 ? $"{{write: {{cpu: {cpu}, msr: {Hex(0x800UL + (ulong)(offset >> 4))}, value: {Hex(value)}}}}}" : $"{{write: {{cpu: {cpu}, mmio: {Hex(0xFEE00000UL + (ulong)offset)}, value: {Hex(value)}}}}}"];
            }

            if (write.Groups[2].Value != "icr")
            {
                return null;
            }

            icr = value;
        }
        else if (IpiStep().Match(step) is { Success: true } ipi)
        {
            cpu = ipi.Groups[1].Value;
            var to = ipi.Groups[2].Value;
            icr = (ipi.Groups[5].Success ? Number(ipi.Groups[5].Value) : 0) | (s_deliveryModes[ipi.Groups[6].Value] << 8) | (1UL << 14);
            ulong destination = 0;
            switch (to)
            {
                case "self":
                    icr |= 1UL << 18;
                    break;
                case "all":
                    icr |= 2UL << 18;
                    break;
                case "all-but-self":
                    icr |= 3UL << 18;
                    break;
                default:
                    if (ipi.Groups[3].Success)
                    {
                        icr |= 1UL << 11;
                    }

                    destination = ipi.Groups[3].Success ? Number(ipi.Groups[3].Value) : ipi.Groups[4].Success ? Number(ipi.Groups[4].Value) : ulong.Parse(to, CultureInfo.InvariantCulture);
                    break;
            }

            if (!x2 && destination > 0xFF)
            {
                return null;
            }

            icr |= x2 ? destination << 32 : destination << 56;
        }
        else
        {
            return null;
        }

        return x2 ? [$"{{write: {{cpu: {cpu}, msr: 0x830, value: {Hex(icr)}}}}}"]
            : ch.Pick(2) == 0 ? [$"{{write: {{cpu: {cpu}, reg: apic.icr, value: {Hex(icr)}}}}}"]
            : [$"{{write: {{cpu: {cpu}, mmio: 0xFEE00310, value: {Hex(icr >> 32)}}}}}", $"{{write: {{cpu: {cpu}, mmio: 0xFEE00300, value: {Hex(icr & 0xFFFF_FFFF)}}}}}"];
    }

    private static Outcome WithoutNoProgramLines(Outcome o)
    {
        var root = (JsonObject)o.Root.DeepClone();
        root["messages"] = new JsonArray([.. root["messages"]!.AsArray().Where(m => !((string)m!["text"]!).Contains("which executes no program", StringComparison.Ordinal)).Select(m => m!.DeepClone())]);
        return o with { Root = root };
    }

    private static ulong Number(string text) => text.StartsWith("0x", StringComparison.Ordinal)
        ? ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
        : ulong.Parse(text, CultureInfo.InvariantCulture);

    private static string Hex(ulong v) => "0x" + v.ToString("X", CultureInfo.InvariantCulture);

    // ------------------------------------------------------------------------------------------------ helpers

    private static readonly string[] s_readableEverywhere =
    [
        "id", "version", "tpr", "ppr", "ldr", "svr", "isr", "tmr", "irr", "esr", "icr", "lvt.cmci", "lvt.timer", "lvt.thermal",
        "lvt.pmc", "lvt.lint0", "lvt.lint1", "lvt.error", "timer.initial", "timer.current", "timer.divide",
    ];

    private static readonly string[] s_scalar = ["tpr", "ppr", "svr", "timer.current", "esr", "lvt.timer", "id"];

    private static readonly string[] s_otherTargets =
    [
        "port: 0x21", "port: 0xA1", "port: 0x4D0", "port: 0x4D1", "port: 0x61", "ioapic: 0, reg: id", "ioapic: 0, reg: version",
        "ioapic: 0, reg: arb", "ioapic: 0, reg: redir.3", "ioapic: 0, reg: redir.17",
    ];

    private sealed record Outcome(JsonObject Root, bool Stopped);

    private static void ForEach(ulong seed, Action<GeneratedScenario, Outcome, Picks> property) =>
        Fuzz.Run(s_cases, seed, Iterations, c =>
        {
            if (TryRun(c.Scenario.Yaml) is { Stopped: false } a)
            {
                property(c.Scenario, a, new Picks(c.Choice));
            }
        }, c => c.Scenario.ToString());

    private static Outcome? TryRun(string yaml)
    {
        try
        {
            return Run(yaml);
        }
        catch (ScenarioException)
        {
            return null;
        }
    }

    private static Outcome Run(string yaml, int logLimit = 1_000_000, ulong? seed = null)
    {
        var result = Simulator.Run(ScenarioLoader.Parse(yaml, "metamorphic.yaml"), new SimulationOptions { LogLimit = logLimit, Seed = seed, MaxEvents = 2_000_000 });
        using var stream = new MemoryStream();
        RunResultJson.Write(result, stream);
        var root = (JsonObject)JsonNode.Parse(stream.ToArray())!;
        ((JsonObject)root["stats"]!).Remove("wall_ms");

        // A run cut short by a bound stops at an event count, which added steps shift: such runs are not compared.
        var stopped = root["messages"]!.AsArray().Any(m => ((string)m!["text"]!).StartsWith("irqlab: run stopped", StringComparison.Ordinal)
            || ((string)m!["text"]!).Contains("without simulated time moving", StringComparison.Ordinal));
        return new Outcome(root, stopped);
    }

    /// <summary>
    /// Runs <paramref name="yaml"/> and checks it gives <paramref name="a"/>'s JSON, with the added steps of
    /// <paramref name="map"/> (new step index → old index, -1 for an added step) taken out and the named reads dropped.
    /// </summary>
    private static void Same(GeneratedScenario g, Outcome a, string yaml, int[]? map, string? addedRead = null, bool workDiffers = false, Func<Outcome, Outcome>? transform = null)
    {
        var b = Run(yaml);
        b = transform is null ? b : transform(b);
        if (b.Stopped)
        {
            return;
        }

        var x = (JsonObject)a.Root.DeepClone();
        var y = (JsonObject)b.Root.DeepClone();
        var eventsA = (long)x["stats"]!["events"]!;
        var eventsB = (long)y["stats"]!["events"]!;
        if (addedRead is not null)
        {
            // A step's read always records (the run reached it); a handler's only when the handler ran.
            Assert.True(y["reads"] is JsonObject reads && (reads.Remove(addedRead) || map is null), $"the added read {addedRead} recorded nothing\n{yaml}");
        }

        if (map is not null || workDiffers)
        {
            ((JsonObject)x["stats"]!).Remove("events");
            ((JsonObject)y["stats"]!).Remove("events");
        }

        if (map is not null)
        {
            var expects = new JsonArray();
            foreach (var e in y["expects"]?.AsArray() ?? [])
            {
                var old = map[(int)e!["step"]!];
                if (old >= 0)
                {
                    var copy = (JsonObject)e.DeepClone();
                    copy["step"] = old;
                    expects.Add(copy);
                }
            }

            if (y.ContainsKey("expects"))
            {
                y["expects"] = expects;
            }

            foreach (var m in y["messages"]!.AsArray())
            {
                m!["text"] = StepIndex().Replace((string)m["text"]!, s => "steps[" + map[int.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture)].ToString(CultureInfo.InvariantCulture) + "]");
            }

            var added = map.Count(i => i < 0);
            Assert.True(eventsB - eventsA == added, $"stats.events grew by {eventsB - eventsA}, not by the {added} steps added\n{g}\n--- transformed ---\n{yaml}");
        }

        AssertSame(x.ToJsonString(), y.ToJsonString(), "transformed", g.Yaml, yaml);
    }

    private static void AssertSame(string expected, string actual, string what, string original, string transformed)
    {
        if (expected != actual)
        {
            var i = 0;
            while (i < expected.Length && i < actual.Length && expected[i] == actual[i])
            {
                i++;
            }

            var from = Math.Max(0, i - 200);
            throw new XunitException(
                $"{what}: the JSON differs at character {i}\n--- original ---\n{Excerpt(expected, from)}\n--- {what} ---\n{Excerpt(actual, from)}\n" +
                $"--- original scenario ---\n{original}--- {what} scenario ---\n{transformed}");
        }
    }

    private static string Excerpt(string s, int from) => s.Substring(from, Math.Min(600, s.Length - from));

    private static int[] Inserted(int count, int at) => [.. Enumerable.Range(0, count).Select(k => k < at ? k : k == at ? -1 : k - 1)];

    private static string Advance(long ns) => "{advance: " + ns.ToString(CultureInfo.InvariantCulture) + "}";

    private static string MaskSymbolSizes(string json) => SymbolSize().Replace(json, "$1+SIZE");

    private static bool MultiVectorWorkload(string yaml)
    {
        foreach (Match m in Regex.Matches(yaml, @"\{device: (\w+)"))
        {
            var device = Regex.Match(yaml, "name: " + m.Groups[1].Value + @", msi(x)?: \{vectors: (\d+)");
            if (device.Success && int.Parse(device.Groups[2].Value, CultureInfo.InvariantCulture) > 1)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The lines before <c>steps:</c>, the steps (one flow mapping per line, as the grammar writes them), the rest.</summary>
    private static (List<string> Head, List<string> Steps, List<string> Tail) SplitSteps(string yaml)
    {
        var lines = yaml.TrimEnd('\n').Split('\n').ToList();
        var at = lines.IndexOf("steps:");
        if (at < 0)
        {
            var run = lines.FindIndex(l => l.StartsWith("run:", StringComparison.Ordinal));
            run = run < 0 ? lines.Count : run;
            return ([.. lines.Take(run)], [], [.. lines.Skip(run)]);
        }

        var end = at + 1;
        while (end < lines.Count && lines[end].StartsWith("  - ", StringComparison.Ordinal))
        {
            end++;
        }

        return ([.. lines.Take(at)], [.. lines.Skip(at + 1).Take(end - at - 1).Select(l => l[4..])], [.. lines.Skip(end)]);
    }

    private static string Join(List<string> head, List<string> steps, List<string> tail)
    {
        var sb = new StringBuilder();
        head.ForEach(l => sb.Append(l).Append('\n'));
        if (steps.Count > 0)
        {
            sb.Append("steps:\n");
            steps.ForEach(s => sb.Append("  - ").Append(s).Append('\n'));
        }

        tail.ForEach(l => sb.Append(l).Append('\n'));
        return sb.ToString();
    }

    private static long? AdvanceOf(string step) => AdvanceStep().Match(step) is { Success: true } m ? Duration(m.Groups[1].Value) : null;

    private static long? Duration(string text)
    {
        var m = DurationText().Match(text.Trim().Trim('"'));
        if (!m.Success)
        {
            return null;
        }

        var unit = m.Groups[2].Value switch { "us" => 1_000m, "ms" => 1_000_000m, "s" => 1_000_000_000m, _ => 1m };
        return (long)(decimal.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * unit);
    }

    [GeneratedRegex(@"^\{advance: ([^}]+)\}$")]
    private static partial Regex AdvanceStep();

    [GeneratedRegex(@"\{advance: ([^}]+)\}")]
    private static partial Regex AdvanceAction();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ns|us|ms|s)?$")]
    private static partial Regex DurationText();

    [GeneratedRegex(@"(?<=: )(\d+(?:\.\d+)?)(ns|us|ms|s)\b")]
    private static partial Regex DurationValue();

    [GeneratedRegex(@"(?<![\w.])0x([0-9A-Fa-f]+)\b")]
    private static partial Regex HexNumber();

    [GeneratedRegex(@"\bdev(\d+)\b")]
    private static partial Regex DeviceName();

    [GeneratedRegex(@"(?m)^machine: \{(.*)\}$")]
    private static partial Regex MachineLine();

    [GeneratedRegex(@"(?m)^kernel: \{(.*)\}$")]
    private static partial Regex KernelLine();

    [GeneratedRegex(@"(\{name: dev\d+, line: \{[^}]*\})(?!, shared)")]
    private static partial Regex UnsharedLine();

    [GeneratedRegex(@"^\{pulse: (\w+)\}$")]
    private static partial Regex PulseStep();

    [GeneratedRegex(@"port: 0x(?:20|A0), value: (0x[0-9A-F]+|\d+)\}")]
    private static partial Regex PicCommandWrite();

    [GeneratedRegex(@"^\{write: \{cpu: (\d+), reg: apic\.([a-z.0-9]+), value: (0x[0-9A-F]+|\d+)\}\}$")]
    private static partial Regex NamedWrite();

    [GeneratedRegex(@"^\{ipi: \{from: (\d+), to: (self|all|all-but-self|\d+|\{logical: (0x[0-9A-F]+)\}|\{physical: (0x[0-9A-F]+)\})(?:, vector: (0x[0-9A-F]+|\d+))?, mode: (\w+)\}\}$")]
    private static partial Regex IpiStep();

    [GeneratedRegex(@"\bg(\d+)\b")]
    private static partial Regex VmName();

    [GeneratedRegex(@"steps\[(\d+)\]")]
    private static partial Regex StepIndex();

    [GeneratedRegex(@"(dev\d+_interrupt)(?:\\u002B|\+)0x[0-9a-f]+/0x[0-9a-f]+")]
    private static partial Regex SymbolSize();

    /// <summary>Small choices read out of one number (x % n, x / n), then fresh bits from a SplitMix64 stream.</summary>
    private sealed class Picks(ulong value)
    {
        private ulong _value = value;
        private ulong _state = value;

        public int Pick(int n)
        {
            if (_value < (ulong)n)
            {
                _value = Next();
            }

            var r = (int)(_value % (ulong)n);
            _value /= (ulong)n;
            return r;
        }

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
