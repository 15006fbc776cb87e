using System.Globalization;
using System.Text;
using CsCheck;

namespace IrqLab.Tests.Robustness;

/// <summary>A generated scenario: its YAML text is the reproduction CsCheck prints for a shrunk failure.</summary>
public sealed record GeneratedScenario(string Yaml, int StepCount)
{
    public override string ToString() => "\n--- scenario (save as repro.yaml) ---\n" + Yaml + "--- end ---";
}

/// <summary>
/// A grammar of valid scenarios (SCENARIOS.md §2-§9), driven by plain numbers so that CsCheck shrinks towards fewer
/// steps and the first choice of every alternative: each number is read as a sequence of small choices (x % n, x / n).
/// </summary>
public static class ScenarioGrammar
{
    private static readonly string[] s_versions = ["6.1", "6.6", "6.9", "6.10", "latest"];
    private static readonly string[] s_durations = ["1us", "100ns", "2.5us", "10us", "500", "50us", "1ns", "0.2ms"];
    private static readonly string[] s_untils = ["10us", "1us", "50us", "100us", "200us"];
    private static readonly int[] s_isaIrqs = [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
    private static readonly string[] s_namedRegs =
    [
        "apic.tpr", "apic.eoi", "apic.ldr", "apic.dfr", "apic.svr", "apic.esr", "apic.icr", "apic.lvt.cmci", "apic.lvt.timer",
        "apic.lvt.thermal", "apic.lvt.pmc", "apic.lvt.lint0", "apic.lvt.lint1", "apic.lvt.error", "apic.timer.initial",
        "apic.timer.divide", "apic.id", "apic.version", "apic.apr", "apic.ppr", "apic.isr", "apic.tmr", "apic.irr",
        "apic.timer.current", "apic.self_ipi",
    ];

    private static readonly string[] s_vectorNames = ["RESCHEDULE_VECTOR", "CALL_FUNCTION_VECTOR", "LOCAL_TIMER_VECTOR", "SPURIOUS_APIC_VECTOR", "IRQ_WORK_VECTOR"];
    private static readonly string[] s_ipiModes = ["fixed", "lowest", "nmi", "init", "sipi", "smi"];
    private static readonly int[] s_errorCodeVectors = [8, 10, 11, 12, 13, 14, 17];
    private static readonly ushort[] s_ports = [0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1];
    private static readonly string[] s_probeRegs = ["isr", "tpr", "ppr"];

    // NMI, #DF, #NP, #GP, #PF: a bare or guest IDT with some of these gates present delivers an NMI or exception to a
    // handler, through #NP (a missing gate) to the #NP handler, or through #DF (SDM Table 6-5).
    private static readonly int[] s_lowHandlerVectors = [2, 8, 11, 13, 14];

    // OCW2 (8259A datasheet): non-specific EOI, specific EOI IR n, rotate on non-specific EOI, rotate on specific EOI,
    // set priority; OCW3: set / reset special mask mode, read ISR, read IRR, poll.
    private static readonly int[] s_picCommands = [0x20, 0x60, 0xA0, 0xE0, 0xC0, 0x68, 0x48, 0x0B, 0x0A, 0x0C];

    /// <summary>Random valid scenarios with up to <paramref name="maxSteps"/> steps.</summary>
    public static Gen<GeneratedScenario> Scenarios(int maxSteps) =>
        Gen.Select(
            Gen.ULong,
            Gen.ULong.Array[0, 4],
            Gen.ULong.Array[0, 4],
            Gen.ULong.Array[0, 2],
            Gen.ULong.Array[0, maxSteps],
            Gen.ULong,
            (header, devices, handlers, workload, steps, vm) => Build(header, devices, handlers, workload, steps, vm));

    /// <summary>
    /// Long event sequences (issue 8 "random event sequences"): device raises, IPIs, NMIs, exceptions, EOI and TPR writes
    /// and short advances, with bare-mode handlers that EOI, so interrupts nest, coalesce and get masked.
    /// </summary>
    public static Gen<GeneratedScenario> EventSequences(int maxSteps) =>
        Gen.Select(
            Gen.ULong,
            Gen.ULong.Array[1, 4],
            Gen.ULong.Array[0, 8],
            Gen.ULong.Array[1, maxSteps],
            (header, devices, handlers, steps) => Build(header, devices, handlers, [], steps, 1, eventsOnly: true));

    /// <summary>
    /// Event sequences with a VM declared (its vCPUs on the last CPUs): a third of the steps are VMX operations (enter,
    /// exit, inject, post, virtual NMI), so wake_from_halt, the guest NMI window and posted interrupts meet the host's
    /// interrupts, NMIs and exceptions.
    /// </summary>
    public static Gen<GeneratedScenario> VmEventSequences(int maxSteps) =>
        Gen.Select(
            Gen.ULong,
            Gen.ULong.Array[1, 4],
            Gen.ULong.Array[0, 8],
            Gen.ULong.Array[1, maxSteps],
            Gen.ULong,
            (header, devices, handlers, steps, vm) => Build(header, devices, handlers, [], steps, vm - (vm % 3), eventsOnly: true));

    /// <summary>
    /// Event sequences aimed at the features the other grammars reach rarely or not at all: one to three VMs whose vCPUs
    /// share host CPUs (enter steps hand a CPU from one vCPU to another, with halts, wake_from_halt, injections, posts and
    /// virtual NMIs between them, docs/simulation.md "Virtualization"); in linux mode MSI-X devices with up to 2048
    /// vectors and multi-MSI on one to three CPUs, so vector reservations run out (irq_matrix_reserve(), docs/kernel.md);
    /// raw MMIO accesses to the APIC page in xAPIC and x2APIC mode and IA32_APIC_BASE switches between the modes
    /// (SDM Vol. 3A 11.12.2). Every step is followed by the ISR/TPR/PPR probes of <see cref="EventSequences"/>.
    /// </summary>
    public static Gen<GeneratedScenario> FeatureSequences(int maxSteps) =>
        Gen.Select(
            Gen.ULong,
            Gen.ULong.Array[1, 5],
            Gen.ULong.Array[1, maxSteps],
            Gen.ULong,
            (header, devices, steps, vms) => BuildFeatures(header, devices, steps, vms));

    private static readonly int[] s_manyVectors = [1, 4, 16, 64, 100, 150, 190, 200, 201, 202, 256, 512, 2048];

    /// <summary>Builds one <see cref="FeatureSequences"/> scenario from its choice numbers.</summary>
    public static GeneratedScenario BuildFeatures(ulong header, ulong[] devices, ulong[] steps, ulong vmChoice)
    {
        var h = new Choices(header);
        var bare = h.Pick(4) == 0;
        var cpus = 1 + h.Pick(3);
        var x2 = h.Pick(2) == 1;
        var version = s_versions[h.Pick(s_versions.Length)];
        var fred = h.Pick(2) == 1 && version is "6.9" or "6.10" or "latest";
        var picOff = h.Pick(3) == 0;
        var c = new Ctx(bare, cpus, x2) { EventsOnly = true };
        var sb = new StringBuilder();
        sb.Append("irqlab: 1\nname: features\nseed: ").Append(h.Pick(1000)).Append('\n');
        sb.Append("kernel: {mode: ").Append(bare ? "bare" : "linux").Append(", version: \"").Append(version).Append("\", delivery: ")
            .Append(fred ? "fred" : "idt").Append("}\n");
        sb.Append("machine: {cpus: ").Append(cpus).Append(", apic: ").Append(x2 ? "x2apic" : "xapic").Append(", pic: ").Append(picOff ? "false" : "true").Append("}\n");

        sb.Append("devices:\n");
        for (var i = 0; i < devices.Length; i++)
        {
            var ch = new Choices(devices[i]);
            var name = "dev" + i.ToString(CultureInfo.InvariantCulture);
            var handler = bare ? string.Empty : ", handler: {returns: " + new[] { "handled", "none", "wake_thread" }[ch.Pick(3)] + ", cost: " + s_durations[ch.Pick(4)] + "}";
            switch (ch.Pick(bare ? 2 : 4))
            {
                case 0:
                    // A pin outside the legacy irqs (reserved just before its request) or a legacy one (not reserved).
                    var pin = ch.Pick(2) == 0 ? 16 + i : 3 + i;
                    c.Devices.Add(new Dev(name, Line: true, Isa: false, Messages: 1));
                    sb.Append("  - {name: ").Append(name).Append(", line: {ioapic: 0, pin: ").Append(pin).Append(", trigger: edge}").Append(handler).Append("}\n");
                    break;
                case 1 when bare:
                    c.Devices.Add(new Dev(name, Line: false, Isa: false, Messages: 1));
                    sb.Append("  - {name: ").Append(name).Append(", msi: {address: ").Append(Hex(0xFEE00000UL | ((ulong)ch.Pick(cpus) << 12)))
                        .Append(", data: ").Append(Hex((ulong)(0x30 + ch.Pick(0x10)))).Append("}}\n");
                    break;
                case 1:
                    {
                        var n = 1 << ch.Pick(6);
                        c.Devices.Add(new Dev(name, Line: false, Isa: false, Messages: n));
                        sb.Append("  - {name: ").Append(name).Append(", msi: {vectors: ").Append(n).Append('}').Append(handler).Append("}\n");
                        break;
                    }

                default:
                    {
                        var n = s_manyVectors[ch.Pick(s_manyVectors.Length)];
                        c.Devices.Add(new Dev(name, Line: false, Isa: false, Messages: n));
                        var affinity = ch.Pick(2) == 0
                            ? string.Empty
                            : ", affinity: [" + string.Join(", ", Enumerable.Range(0, 1 + ch.Pick(cpus)).Select(k => (k % cpus).ToString(CultureInfo.InvariantCulture)).Distinct()) + "]";
                        sb.Append("  - {name: ").Append(name).Append(", msix: {vectors: ").Append(n).Append(affinity).Append('}').Append(handler).Append("}\n");
                        break;
                    }
            }
        }

        if (bare)
        {
            sb.Append("handlers:\n");
            for (var v = 0x30; v < 0x40; v++)
            {
                sb.Append("  - {vector: ").Append(Hex((ulong)v)).Append(", do: [").Append(v % 3 == 0 ? "sti, {advance: 1us}, eoi" : "eoi").Append("]}\n");
            }
        }

        // VMs whose vCPUs share host CPUs: (vm, vcpu) pairs and the host CPU each is pinned to.
        var vc = new Choices(vmChoice);
        var vmCount = 1 + vc.Pick(3);
        var vcpus = new List<(string Vm, int Vcpu, int Cpu)>();
        sb.Append("vms:\n");
        for (var m = 0; m < vmCount; m++)
        {
            var vm = "g" + m.ToString(CultureInfo.InvariantCulture);
            var n = 1 + vc.Pick(3);
            sb.Append("  - name: ").Append(vm).Append("\n    vcpus: [");
            for (var k = 0; k < n; k++)
            {
                var cpu = vc.Pick(cpus);
                vcpus.Add((vm, k, cpu));
                sb.Append(k == 0 ? string.Empty : ", ").Append("{cpu: ").Append(cpu).Append('}');
            }

            var ack = vc.Pick(4) != 0;
            var apicv = vc.Pick(4) != 0;
            sb.Append("]\n    reinject: ").Append(vc.Pick(2) == 0 ? "software" : "idt")
                .Append("\n    ack_interrupt_on_exit: ").Append(ack ? "true" : "false")
                .Append("\n    apicv: ").Append(apicv ? "true" : "false")
                .Append("\n    virtual_nmis: ").Append(Bool(vc))
                .Append("\n    posted_interrupts: ").Append(ack && apicv && vc.Pick(3) != 0 ? "true" : "false")
                .Append("\n    wake_from_halt: ").Append(Bool(vc))
                .Append("\n    handlers:\n      - {vector: 0x30, do: [eoi]}\n      - {vector: 0x02, do: []}\n");
            for (var v = 0x31; v < 0x31 + vc.Pick(4); v++)
            {
                // Each handler draws from its own number: one shared number runs out after a few picks, which left the
                // later handlers (and most actions) empty.
                sb.Append("      - {vector: ").Append(Hex((ulong)v)).Append(", do: [")
                    .Append(GuestActions(c, v, new Choices(Mix(vmChoice, (ulong)((m << 8) | v))), n)).Append("]}\n");
            }
        }

        var occupant = new Dictionary<int, (string Vm, int Vcpu)>();
        sb.Append("steps:\n");
        for (var i = 0; i < steps.Length; i++)
        {
            var ch = new Choices(steps[i]);
            sb.Append("  - ").Append(FeatureStep(c, i, ch, vcpus, occupant)).Append('\n');
            var cpu = (i % cpus).ToString(CultureInfo.InvariantCulture);
            foreach (var reg in s_probeRegs)
            {
                sb.Append("  - {read: {cpu: ").Append(cpu).Append(", reg: apic.").Append(reg).Append(", as: p").Append(i).Append('_').Append(reg).Append("}}\n");
            }
        }

        sb.Append("run: {until: ").Append(s_untils[h.Pick(s_untils.Length)]).Append("}\n");
        return new GeneratedScenario(sb.ToString(), steps.Length);
    }

    private static string FeatureStep(Ctx c, int index, Choices ch, List<(string Vm, int Vcpu, int Cpu)> vcpus, Dictionary<int, (string Vm, int Vcpu)> occupant)
    {
        switch (ch.Pick(12))
        {
            case 0:
            case 1:
                {
                    // enter, or exit when the drawn vCPU is the one a step entered on its CPU (loader order rules,
                    // docs/scenario-loader.md); an enter on a CPU held by another vCPU first exits that one.
                    var (vm, vcpu, cpu) = vcpus[ch.Pick(vcpus.Count)];
                    if (occupant.TryGetValue(cpu, out var o) && o == (vm, vcpu) && ch.Pick(2) == 0)
                    {
                        occupant.Remove(cpu);
                        return $"{{vm: {{op: exit, vm: {vm}, vcpu: {vcpu}}}}}";
                    }

                    var text = string.Empty;
                    if (occupant.TryGetValue(cpu, out o) && o != (vm, vcpu))
                    {
                        text = $"{{vm: {{op: exit, vm: {o.Vm}, vcpu: {o.Vcpu}}}}}\n  - ";
                    }

                    occupant[cpu] = (vm, vcpu);
                    return text + $"{{vm: {{op: enter, vm: {vm}, vcpu: {vcpu}}}}}";
                }

            case 2:
                {
                    var (vm, vcpu, _) = vcpus[ch.Pick(vcpus.Count)];
                    return ch.Pick(3) switch
                    {
                        0 => $"{{vm: {{op: nmi, vm: {vm}, vcpu: {vcpu}}}}}",
                        1 => $"{{vm: {{op: post, vm: {vm}, vcpu: {vcpu}, vector: {Hex((ulong)(0x30 + ch.Pick(0x10)))}}}}}",
                        _ => Inject(vcpu, ch).Replace("vm: g0", "vm: " + vm, StringComparison.Ordinal),
                    };
                }

            case 3:
                {
                    // Raw MMIO to the APIC page in either mode, any 16-byte-aligned register offset.
                    var address = Hex(0xFEE00000UL + ((ulong)ch.Pick(0x100) << 4));
                    return ch.Pick(2) == 0
                        ? $"{{read: {{cpu: {Cpu(c, ch)}, mmio: {address}, as: m{index}}}}}"
                        : $"{{write: {{cpu: {Cpu(c, ch)}, mmio: {address}, value: {Hex(RegValue(ch, wide: false))}}}}}";
                }

            case 4:
                // IA32_APIC_BASE: xAPIC, x2APIC, disabled (SDM 11.12.5 transitions, legal or #GP).
                return $"{{write: {{cpu: {Cpu(c, ch)}, msr: 0x1B, value: {new[] { "0xFEE00D00", "0xFEE00900", "0xFEE00C00", "0xFEE00800", "0xFEE00000" }[ch.Pick(5)]}}}}}";
            case 5 when c.X2:
                // The loader takes x2APIC MSRs only on an x2APIC machine; the APIC may be in another mode by now.
                return $"{{read: {{cpu: {Cpu(c, ch)}, msr: {Hex(0x800UL + (ulong)ch.Pick(0x40))}, as: m{index}}}}}";
            case 6:
            case 7:
                {
                    if (c.Devices.Count == 0)
                    {
                        return "{nmi: {cpu: " + Cpu(c, ch) + "}}";
                    }

                    var d = c.Devices[ch.Pick(c.Devices.Count)];
                    return d.Messages > 1
                        ? $"{{raise: {{device: {d.Name}, vector_index: {ch.Pick(d.Messages)}}}}}"
                        : d.Line ? $"{{pulse: {d.Name}}}" : $"{{raise: {d.Name}}}";
                }

            case 8:
                return Ipi(c, ch);
            case 9:
                return ch.Pick(3) switch
                {
                    0 => "{nmi: {cpu: " + Cpu(c, ch) + "}}",
                    1 => (ch.Pick(2) == 0 ? "{cli: {cpu: " : "{sti: {cpu: ") + Cpu(c, ch) + "}}",
                    _ => $"{{write: {{cpu: {Cpu(c, ch)}, reg: apic.eoi, value: 0}}}}",
                };
            default:
                return "{advance: " + s_durations[ch.Pick(s_durations.Length)] + "}";
        }
    }

    /// <summary>Builds the YAML of one scenario from its choice numbers.</summary>
    public static GeneratedScenario Build(ulong header, ulong[] devices, ulong[] handlers, ulong[] workload, ulong[] steps, ulong vmChoice, bool eventsOnly = false)
    {
        var h = new Choices(header);
        var bare = h.Pick(2) == 1;
        var cpus = 1 + h.Pick(8);
        var x2 = h.Pick(2) == 1;
        var version = s_versions[h.Pick(s_versions.Length)];
        var rfc = !bare && h.Pick(4) == 3;
        var fred = h.Pick(2) == 1 && (rfc || version is "6.9" or "6.10" or "latest");
        var cfi = h.Pick(4) == 0;
        var until = s_untils[h.Pick(s_untils.Length)];
        var seed = h.Pick(1000);
        var picOff = h.Pick(4) == 0;

        var extra = new Choices(header ^ 0xC2B2AE3D27D4EB4FUL);
        if (!eventsOnly && extra.Pick(10) == 0)
        {
            // Larger machines: more than one x2APIC logical cluster (16 CPUs each, SDM 11.12.10.2), more than 8 flat
            // xAPIC logical IDs, and more than 255 CPUs (x2APIC only).
            cpus = new[] { 16, 17, 64, 300 }[extra.Pick(4)];
            x2 |= cpus > 255;
        }

        var c = new Ctx(bare, cpus, x2) { EventsOnly = eventsOnly };
        if (!eventsOnly && extra.Pick(3) == 0)
        {
            // A second IOAPIC (SCENARIOS.md §4 machine.ioapics): its pins 0 and 1 carry shared level lines (§5 shared).
            c.IoApic1Pins = 8 + extra.Pick(25);
            c.IoApic1Id = 1 + extra.Pick(15);
            c.SharedPolarity = extra.Pick(2) == 0 ? "high" : "low";
        }

        var sb = new StringBuilder();
        sb.Append("irqlab: 1\nname: fuzz\nseed: ").Append(seed).Append('\n');
        sb.Append("kernel: {mode: ").Append(bare ? "bare" : "linux").Append(", version: \"").Append(version).Append("\", variant: ")
            .Append(rfc ? "rfc-2022" : "mainline").Append(", delivery: ").Append(fred ? "fred" : "idt").Append(", cfi: ")
            .Append(cfi ? "true" : "false");
        var vmDeclared = new Choices(vmChoice).Pick(3) == 0;
        var config = new Choices(header ^ 0x9E3779B97F4A7C15UL);
        if (config.Pick(3) == 0)
        {
            // Kconfig options toggled at random (SCENARIOS.md §3): the layout, rows and handlers follow them.
            var options = IrqLab.Scenarios.Model.KconfigDefaults.All.ToArray();
            sb.Append(", config: {");
            var first = true;
            foreach (var o in options)
            {
                var pick = config.Pick(3);
                if (pick == 0 || (pick == 1 && vmDeclared && !bare && o is "HAVE_KVM" or "X86_LOCAL_APIC"))
                {
                    // Linux-mode VMs are KVM's, which depends on HAVE_KVM and X86_LOCAL_APIC (arch/x86/kvm/Kconfig).
                    continue;
                }

                sb.Append(first ? string.Empty : ", ").Append(o).Append(": ").Append(pick == 1 ? "false" : "true");
                first = false;
            }

            sb.Append('}');
        }

        sb.Append("}\n");

        var deviceLines = new List<string>();
        for (var i = 0; i < devices.Length; i++)
        {
            deviceLines.Add(Device(c, i, new Choices(devices[i])));
        }

        var usesIsa = c.Devices.Exists(d => d.Isa);
        sb.Append("machine: {cpus: ").Append(cpus).Append(", apic: ").Append(x2 ? "x2apic" : "xapic")
            .Append(", pic: ").Append(picOff && !usesIsa ? "false" : "true");
        if (c.IoApic1Pins > 0)
        {
            sb.Append(", ioapics: [{id: 0, pins: 24}, {id: ").Append(c.IoApic1Id).Append(", pins: ").Append(c.IoApic1Pins).Append("}]");
        }
        var m = new Choices(header / 7919);
        if (m.Pick(3) == 0)
        {
            sb.Append(", nmi_watchdog: ").Append(Bool(m))
                .Append(", apic_timer_hz: ").Append(new[] { "1000000000", "1", "25000000", "4000000000" }[m.Pick(4)])
                .Append(", tsc_hz: ").Append(new[] { "1000000000", "1", "3000000000" }[m.Pick(3)]);
        }

        sb.Append("}\n");
        if (deviceLines.Count > 0)
        {
            sb.Append("devices:\n");
            foreach (var line in deviceLines)
            {
                sb.Append("  - ").Append(line).Append('\n');
            }
        }

        if (bare && handlers.Length > 0)
        {
            sb.Append("handlers:\n");
            var seen = new HashSet<int>();
            foreach (var hc in handlers)
            {
                var ch = new Choices(hc);
                var vector = ch.Pick(4) == 0 ? s_lowHandlerVectors[ch.Pick(s_lowHandlerVectors.Length)] : 0x20 + ch.Pick(0xE0);
                if (!seen.Add(vector))
                {
                    continue;
                }

                sb.Append("  - {vector: 0x").Append(vector.ToString("X2", CultureInfo.InvariantCulture)).Append(", do: [")
                    .Append(HandlerActions(c, vector, ch)).Append("]}\n");
            }
        }

        if (vmDeclared)
        {
            var v = new Choices(vmChoice / 3);
            c.VmVcpus = 1 + v.Pick(Math.Min(2, cpus));
            sb.Append("vms:\n  - name: g0\n    vcpus: [");
            for (var i = 0; i < c.VmVcpus; i++)
            {
                sb.Append(i == 0 ? string.Empty : ", ").Append("{cpu: ").Append((cpus - 1 - i + cpus) % cpus).Append('}');
            }

            sb.Append("]\n    reinject: ").Append(v.Pick(2) == 0 ? "software" : "idt")
                .Append("\n    ack_interrupt_on_exit: ").Append(Bool(v))
                .Append("\n    virtual_nmis: ").Append(Bool(v))
                .Append("\n    posted_interrupts: ").Append(Bool(v))
                .Append("\n    apicv: ").Append(Bool(v)).Append('\n');
            if (v.Pick(3) == 0)
            {
                // Extension (docs/scenario-loader.md): the VMCS exception bitmap.
                sb.Append("    exception_bitmap: [").Append(string.Join(", ", Enumerable.Range(0, 1 + v.Pick(3)).Select(_ => v.Pick(32)).Distinct())).Append("]\n");
            }

            if (v.Pick(3) == 0)
            {
                // Extension (docs/scenario-loader.md): KVM wakes a vCPU blocked in HLT without an enter step.
                sb.Append("    wake_from_halt: ").Append(Bool(v)).Append('\n');
            }

            switch (v.Pick(3))
            {
                case 0:
                    sb.Append("    handlers:\n      - {vector: 0x30, do: [eoi]}\n");
                    break;
                case 1:
                    {
                        sb.Append("    handlers:\n");
                        var gv = new Choices(vmChoice ^ 0x165667B19E3779F9UL);
                        var seenGuest = new HashSet<int>();
                        var count = 1 + gv.Pick(4);
                        for (var k = 0; k < count; k++)
                        {
                            var vector = k == 0 ? 0x30 : gv.Pick(3) == 0 ? s_lowHandlerVectors[gv.Pick(s_lowHandlerVectors.Length)] : 0x20 + gv.Pick(0xE0);
                            if (seenGuest.Add(vector))
                            {
                                sb.Append("      - {vector: ").Append(Hex((ulong)vector)).Append(", do: [")
                                    .Append(GuestActions(c, vector, new Choices(Mix(vmChoice, (ulong)vector)), c.VmVcpus)).Append("]}\n");
                            }
                        }

                        break;
                    }

                default:
                    break;
            }
        }

        if (workload.Length > 0)
        {
            sb.Append("workload:\n");
            foreach (var w in workload)
            {
                sb.Append("  - ").Append(Workload(c, new Choices(w))).Append('\n');
            }
        }

        if (steps.Length > 0)
        {
            sb.Append("steps:\n");
            for (var i = 0; i < steps.Length; i++)
            {
                sb.Append("  - ").Append(Step(c, i, new Choices(steps[i]))).Append('\n');
                if (eventsOnly)
                {
                    // Probe one CPU's ISR, TPR and PPR after every event (read as p<i>_isr/_tpr/_ppr), for the invariants.
                    var cpu = (i % cpus).ToString(CultureInfo.InvariantCulture);
                    foreach (var reg in s_probeRegs)
                    {
                        sb.Append("  - {read: {cpu: ").Append(cpu).Append(", reg: apic.").Append(reg).Append(", as: p").Append(i).Append('_').Append(reg).Append("}}\n");
                    }
                }
            }
        }

        // Until idle only without a periodic APIC timer: one with a count of 1 fires every nanosecond (or few) until the
        // 100 ms idle horizon, 100 million events (legal, bounded, but 25 s of work).
        if (!eventsOnly && workload.Length == 0 && extra.Pick(8) == 0 && !c.PeriodicTimer)
        {
            sb.Append("run: {until: idle}\n");
            return new GeneratedScenario(sb.ToString(), steps.Length);
        }

        sb.Append("run: {until: ").Append(until).Append("}\n");
        return new GeneratedScenario(sb.ToString(), steps.Length);
    }

    private static string Bool(Choices ch) => ch.Pick(2) == 0 ? "false" : "true";

    private static string Hex(ulong v) => "0x" + v.ToString("X", CultureInfo.InvariantCulture);

    private static string Device(Ctx c, int i, Choices ch)
    {
        var name = "dev" + i.ToString(CultureInfo.InvariantCulture);
        var kind = ch.Pick(3);
        var handler = c.Bare ? string.Empty : ", handler: {returns: " + new[] { "handled", "none", "wake_thread" }[ch.Pick(3)] + ", cost: " + s_durations[ch.Pick(4)] + "}";
        switch (kind)
        {
            case 0:
                var pin = 16 + (i * 2) + ch.Pick(2);
                var level = ch.Pick(2) == 1;
                var polarity = ch.Pick(2) == 0 ? "high" : "low";
                c.Devices.Add(new Dev(name, Line: true, Isa: false, Messages: 1));
                switch (c.IoApic1Pins > 0 ? ch.Pick(3) : 0)
                {
                    case 1:
                        return $"{{name: {name}, line: {{ioapic: 1, pin: {2 + i}, trigger: {(level ? "level" : "edge")}, polarity: {polarity}}}{handler}}}";
                    case 2:
                        return $"{{name: {name}, line: {{ioapic: 1, pin: {ch.Pick(2)}, trigger: level, polarity: {c.SharedPolarity}}}, shared: true{handler}}}";
                    default:
                        return $"{{name: {name}, line: {{ioapic: 0, pin: {pin}, trigger: {(level ? "level" : "edge")}, polarity: {polarity}}}{handler}}}";
                }

            case 1:
                var irq = s_isaIrqs[(i * 3) + ch.Pick(3)];
                c.Devices.Add(new Dev(name, Line: true, Isa: true, Messages: 1));
                return $"{{name: {name}, line: {{isa: {irq}}}{handler}}}";
            default:
                if (c.Bare)
                {
                    var dest = ch.Pick(c.Cpus);
                    var vector = 0x20 + ch.Pick(0xE0);
                    c.Devices.Add(new Dev(name, Line: false, Isa: false, Messages: 1));
                    return $"{{name: {name}, msi: {{address: {Hex(0xFEE00000UL | ((ulong)dest << 12))}, data: {Hex((ulong)vector)}}}}}";
                }

                var count = 1 + ch.Pick(4);
                c.Devices.Add(new Dev(name, Line: false, Isa: false, Messages: count));
                var affinity = ch.Pick(2) == 0
                    ? string.Empty
                    : ", affinity: [" + string.Join(", ", Enumerable.Range(0, count).Select(k => ((k + i) % c.Cpus).ToString(CultureInfo.InvariantCulture))) + "]";
                return $"{{name: {name}, msix: {{vectors: {count}{affinity}}}{handler}}}";
        }
    }

    private static string HandlerActions(Ctx c, int vector, Choices ch)
    {
        var actions = new List<string>();
        var n = ch.Pick(4);
        for (var k = 0; k < n; k++)
        {
            switch (ch.Pick(9))
            {
                case 5:
                    actions.Add(new[]
                    {
                        "{write: {reg: apic.tpr, value: " + Hex((ulong)ch.Pick(256)) + "}}",
                        "{write: {port: 0x20, value: 0x20}}",
                        "{write: {port: 0xA0, value: 0x20}}",
                        "{write: {ioapic: 0, reg: eoi, value: " + Hex((ulong)vector) + "}}",
                        "{write: {port: " + (ch.Pick(2) == 0 ? "0x20" : "0xA0") + ", value: " + Hex((ulong)PicCommand(ch)) + "}}",
                        "{write: {port: " + (ch.Pick(2) == 0 ? "0x21" : "0xA1") + ", value: " + Hex((ulong)ch.Pick(256)) + "}}",
                    }[ch.Pick(6)]);
                    break;
                case 6 when c.Devices.Count > 0:
                    AddDeviceAction(c, ch, actions);
                    break;

                case 7:
                    actions.Add("{read: {cpu: " + Cpu(c, ch) + ", reg: apic." + s_probeRegs[ch.Pick(3)] + ", as: x" + vector.ToString(CultureInfo.InvariantCulture) + "_" + k.ToString(CultureInfo.InvariantCulture) + "}}");
                    break;
                case 8 when vector >= 0x20:
                    // Not from an NMI or exception handler: an NMI handler that sends itself an NMI loops in zero time.
                    actions.Add("{ipi: {to: " + new[] { "all-but-self", "all" }[ch.Pick(2)] + ", mode: nmi}}");
                    break;
                case 0:
                    actions.Add("sti");
                    break;
                case 1:
                    actions.Add("cli");
                    break;
                case 2:
                    actions.Add("{advance: " + s_durations[ch.Pick(4)] + "}");
                    break;
                case 3:
                    // Only to a higher vector: handler chains stay finite (no zero-time IPI loop). Not from an exception
                    // handler: a vector without a gate comes back to the #NP handler, which would send it again.
                    if (vector is >= 0x20 and < 0xFF)
                    {
                        actions.Add("{ipi: {to: self, vector: " + Hex((ulong)(vector + 1 + ch.Pick(0xFF - vector))) + "}}");
                    }

                    break;
                default:
                    actions.Add("{read: {reg: apic.isr, as: h" + vector.ToString(CultureInfo.InvariantCulture) + "_" + k.ToString(CultureInfo.InvariantCulture) + "}}");
                    break;
            }
        }

        if (ch.Pick(4) != 0)
        {
            actions.Add("eoi");
        }

        return string.Join(", ", actions);
    }

    private static string Workload(Ctx c, Choices ch)
    {
        var rate = (1 + ch.Pick(200)) * 1000;
        switch (ch.Pick(3))
        {
            case 0 when c.Devices.Count > 0:
                var d = c.Devices[ch.Pick(c.Devices.Count)];
                var pattern = ch.Pick(3) switch
                {
                    0 => "poisson",
                    1 => "periodic",
                    _ => "{burst: {n: " + (1 + ch.Pick(8)) + ", every: " + (10 + ch.Pick(50)) + "us}}",
                };
                return pattern.StartsWith('{')
                    ? $"{{device: {d.Name}, pattern: {pattern}}}"
                    : $"{{device: {d.Name}, rate: {rate}/s, pattern: {pattern}}}";
            case 1 when !c.TimerWorkload:
                // One timer entry at most (docs/scenario-loader.md): each CPU has one local APIC timer.
                c.TimerWorkload = true;
                return "{timer: {hz: " + (1000 * (1 + ch.Pick(100))) + "}}";
            default:
                return "{ipis: {rate: " + rate + "/s, vector: " + (c.Bare ? Hex((ulong)(0x20 + ch.Pick(0xE0))) : s_vectorNames[ch.Pick(s_vectorNames.Length)]) + "}}";
        }
    }

    private static string Vector(Ctx c, Choices ch)
    {
        if (!c.Bare && ch.Pick(4) == 0)
        {
            return s_vectorNames[ch.Pick(s_vectorNames.Length)];
        }

        return ch.Pick(8) switch
        {
            0 => ch.Pick(16).ToString(CultureInfo.InvariantCulture), // illegal vectors 0-15 (ESR, SDM 11.5.3)
            1 => Hex((ulong)(0xF0 + ch.Pick(16))),
            _ => Hex((ulong)(0x20 + ch.Pick(0xE0))),
        };
    }

    private static ulong RegValue(Choices ch, bool wide)
    {
        return ch.Pick(6) switch
        {
            0 => 0,
            1 => (ulong)ch.Pick(256),
            2 => 0x100UL | (uint)ch.Pick(256),
            3 => 0x10000UL | (uint)ch.Pick(256),      // masked LVT
            4 => ((ulong)(uint)ch.Pick(7) << 8) | (uint)ch.Pick(256), // delivery modes
            _ => wide ? ch.Rest() : (uint)ch.Rest(),
        };
    }

    /// <summary>
    /// A handler's device action (host or guest: the same hardware), after some time passes: a handler that re-raises its
    /// own interrupt loops, but not in zero time.
    /// </summary>
    private static void AddDeviceAction(Ctx c, Choices ch, List<string> actions)
    {
        var d = c.Devices[ch.Pick(c.Devices.Count)];
        var op = d.Line ? new[] { "raise", "lower", "pulse" }[ch.Pick(3)] : "raise";
        actions.Add("{advance: " + s_durations[ch.Pick(4)] + "}");
        actions.Add("{" + op + ": " + d.Name + "}");
    }

    private static string Cpu(Ctx c, Choices ch) => ch.Pick(c.Cpus).ToString(CultureInfo.InvariantCulture);

    private static readonly int[] s_eventOps = [0, 5, 6, 7, 8, 9, 10, 11, 16, 17, 0, 5, 7, 16, 21, 23, 22];

    // VMX operations (enter, exit, inject, post; virtual NMIs) and cli/sti, which reach the guest on a vCPU's CPU.
    private static readonly int[] s_vmEventOps = [13, 13, 13, 24, 11];

    private static string Step(Ctx c, int index, Choices ch)
    {
        var op = !c.EventsOnly ? ch.Pick(27)
            : c.VmVcpus > 0 && ch.Pick(3) == 0 ? s_vmEventOps[ch.Pick(s_vmEventOps.Length)]
            : s_eventOps[ch.Pick(s_eventOps.Length)];
        switch (op)
        {
            case 0:
            case 1:
                return "{advance: " + s_durations[ch.Pick(s_durations.Length)] + "}";
            case 2:
                {
                    var reg = s_namedRegs[ch.Pick(s_namedRegs.Length - (c.X2 ? 0 : 1))];
                    var value = reg switch
                    {
                        "apic.timer.initial" => 1000UL + (ulong)ch.Pick(1_000_000),
                        "apic.dfr" when ch.Pick(2) == 0 => ch.Pick(2) == 0 ? 0xFFFFFFFFUL : 0x0FFFFFFFUL, // flat or cluster model (SDM 11.6.2.2)
                        "apic.ldr" when ch.Pick(2) == 0 => ((ulong)ch.Pick(16) << 28) | (1UL << (24 + ch.Pick(8))),
                        _ => RegValue(ch, reg == "apic.icr"),
                    };
                    return $"{{write: {{cpu: {Cpu(c, ch)}, reg: {reg}, value: {Hex(value)}}}}}";
                }

            case 3:
                {
                    var reg = s_namedRegs[ch.Pick(s_namedRegs.Length - (c.X2 ? 0 : 1))];
                    c.Reads.Add(("r" + index.ToString(CultureInfo.InvariantCulture), reg is "apic.isr" or "apic.tmr" or "apic.irr"));
                    return $"{{read: {{cpu: {Cpu(c, ch)}, reg: {reg}, as: r{index}}}}}";
                }

            case 4:
                return RawAccess(c, index, ch);
            case 5:
            case 6:
                return Ipi(c, ch);
            case 7:
            case 8:
                if (c.Devices.Count == 0)
                {
                    return "{nmi: {cpu: " + Cpu(c, ch) + "}}";
                }

                var d = c.Devices[ch.Pick(c.Devices.Count)];
                var lineOp = d.Line ? new[] { "raise", "lower", "pulse" }[ch.Pick(3)] : "raise";
                return d.Messages > 1 && ch.Pick(2) == 0
                    ? $"{{{lineOp}: {{device: {d.Name}, vector_index: {ch.Pick(d.Messages)}}}}}"
                    : $"{{{lineOp}: {d.Name}}}";
            case 9:
                return "{nmi: {cpu: " + Cpu(c, ch) + "}}";
            case 10:
                {
                    var vector = ch.Pick(32);
                    var text = $"{{exception: {{cpu: {Cpu(c, ch)}, vector: {vector}";
                    if (Array.IndexOf(s_errorCodeVectors, vector) >= 0 && ch.Pick(2) == 0)
                    {
                        // #DF and #AC always push 0 (SDM Vol. 3A 6.15); the draw is made all the same.
                        var code = (ulong)ch.Pick(0x10000);
                        text += ", error_code: " + Hex(vector is 8 or 17 ? 0 : code);
                    }

                    if (vector == 14 && ch.Pick(2) == 0)
                    {
                        text += ", cr2: " + Hex(ch.Rest() & 0xFFFF_FFFF_FFFF);
                    }

                    return text + "}}";
                }

            case 11:
                return (ch.Pick(2) == 0 ? "{cli: {cpu: " : "{sti: {cpu: ") + Cpu(c, ch) + "}}";
            case 12 when !c.Bare:
                return "{install: {vector: " + Hex((ulong)(0xC0 + ch.Pick(0x40))) + ", handler: " + new[] { "sysvec_custom", "sysvec_reschedule_ipi", "sysvec_irq_work" }[ch.Pick(3)] + "}}";
            case 13 when c.VmVcpus > 0:
                return VmStep(c, ch);
            case 14:
                return ch.Pick(3) switch
                {
                    0 => $"{{expect: {{cpu: {Cpu(c, ch)}, reg: apic.ppr, equals: {ch.Pick(256)}}}}}",
                    1 => "{expect: {message: \"nobody cared\"}}",
                    _ => "{expect: {handlers: [vector_0x41]}}",
                };
            case 16:
                return $"{{write: {{cpu: {Cpu(c, ch)}, reg: apic.eoi, value: 0}}}}";
            case 18 when c.Reads.Count > 0:
                {
                    var (name, list) = c.Reads[ch.Pick(c.Reads.Count)];
                    var equals = list ? (ch.Pick(2) == 0 ? "[]" : "[" + (0x20 + ch.Pick(0xE0)) + "]") : Hex((ulong)ch.Pick(256));
                    return $"{{expect: {{read: {name}, equals: {equals}}}}}";
                }

            case 19:
                {
                    var rows = new[] { "LOC", "RES", "CAL", "NMI", "SPU", "ERR", "MIS", "PIN", "PIW", "TLB", "IWI", "'1'", "'16'", "'24'" };
                    var bound = new[] { "equals", "at_least", "at_most" }[ch.Pick(3)];
                    return $"{{expect: {{row: {rows[ch.Pick(rows.Length)]}, cpu: {Cpu(c, ch)}, {bound}: {ch.Pick(4)}}}}}";
                }

            case 20:
                return $"{{expect: {{fault: {new[] { "triple_fault", "machine_check", "cfi_failure", "vmentry_failure" }[ch.Pick(4)]}, cpu: {Cpu(c, ch)}}}}}";
            case 21:
                return TimerProgram(c, ch);
            case 22:
                return PicProgram(c, ch);
            case 23:
                return RedirectionEntry(c, ch);
            case 24 when c.VmVcpus > 0:
                return $"{{vm: {{op: nmi, vm: g0, vcpu: {ch.Pick(c.VmVcpus)}}}}}";
            case 25:
                // IA32_APIC_BASE (SDM 11.4.4): enable with BSP, x2APIC enable, or global disable.
                return $"{{write: {{cpu: {Cpu(c, ch)}, msr: 0x1B, value: {new[] { "0xFEE00900", "0xFEE00800", "0xFEE00D00", "0xFEE00000" }[ch.Pick(4)]}}}}}";
            case 26:
                return $"{{expect: {{handlers: [{string.Join(", ", Enumerable.Range(0, ch.Pick(3)).Select(_ => c.Bare ? "vector_0x" + (0x20 + ch.Pick(0xE0)).ToString("x2", CultureInfo.InvariantCulture) : new[] { "sysvec_apic_timer_interrupt", "common_interrupt", "sysvec_reschedule_ipi", "exc_nmi" }[ch.Pick(4)]))}]}}}}";
            case 17:
                return $"{{write: {{cpu: {Cpu(c, ch)}, reg: apic.tpr, value: {Hex((ulong)ch.Pick(256))}}}}}";
            default:
                return "{advance: " + s_durations[ch.Pick(s_durations.Length)] + "}";
        }
    }

    private static string RawAccess(Ctx c, int index, Choices ch)
    {
        var write = ch.Pick(2) == 0;
        string target;
        bool wide = false;
        switch (ch.Pick(3))
        {
            case 0:
                target = c.X2
                    ? "cpu: " + Cpu(c, ch) + ", msr: " + Hex(0x800UL + (ulong)ch.Pick(0x100))
                    : "cpu: " + Cpu(c, ch) + ", mmio: " + Hex(0xFEE00000UL + ((ulong)ch.Pick(0x100) << 4));
                wide = c.X2;
                break;
            case 1:
                target = "port: " + Hex(s_ports[ch.Pick(s_ports.Length)]);
                return write ? $"{{write: {{{target}, value: {Hex((ulong)ch.Pick(256))}}}}}" : $"{{read: {{{target}, as: r{index}}}}}";
            default:
                var reg = ch.Pick(6) switch
                {
                    0 => "id",
                    1 => "version",
                    2 => "arb",
                    3 => "eoi",
                    _ => "redir." + ch.Pick(24).ToString(CultureInfo.InvariantCulture),
                };
                target = "ioapic: 0, reg: " + reg;
                wide = reg.StartsWith("redir", StringComparison.Ordinal);
                break;
        }

        return write
            ? $"{{write: {{{target}, value: {Hex(RegValue(ch, wide))}}}}}"
            : $"{{read: {{{target}, as: r{index}}}}}";
    }

    private static string Ipi(Ctx c, Choices ch)
    {
        var mode = s_ipiModes[ch.Pick(4) == 0 ? ch.Pick(s_ipiModes.Length) : 0];
        var to = ch.Pick(6) switch
        {
            0 => "self",
            1 => "all",
            2 => "all-but-self",
            3 => "{logical: " + Hex((ulong)ch.Pick(256)) + "}",
            4 => "{physical: " + Hex(c.X2 && ch.Pick(4) == 0 ? 0xFFFFFFFFUL : (ulong)ch.Pick(256)) + "}",
            _ => Cpu(c, ch),
        };
        var vector = mode is "fixed" or "lowest" or "sipi" ? ", vector: " + Vector(c, ch) : string.Empty;
        return $"{{ipi: {{from: {Cpu(c, ch)}, to: {to}{vector}, mode: {mode}}}}}";
    }

    private static string VmStep(Ctx c, Choices ch)
    {
        var vcpu = ch.Pick(c.VmVcpus);
        var op = ch.Pick(4);

        // An exit step needs a vCPU that an enter step put in guest mode (docs/scenario-loader.md, vm steps): an exit
        // drawn for a vCPU that is out becomes an enter. The vCPUs are pinned to different CPUs, so enters never clash.
        if (op <= 1)
        {
            op = op == 1 && c.Entered.Contains(vcpu) ? 1 : 0;
            _ = op == 0 ? c.Entered.Add(vcpu) : c.Entered.Remove(vcpu);
        }

        return op switch
        {
            0 => $"{{vm: {{op: enter, vm: g0, vcpu: {vcpu}}}}}",
            1 => $"{{vm: {{op: exit, vm: g0, vcpu: {vcpu}}}}}",
            2 => Inject(vcpu, ch),
            _ => $"{{vm: {{op: post, vm: g0, vcpu: {vcpu}, vector: {Hex((ulong)(0x20 + ch.Pick(0xE0)))}}}}}",
        };
    }

    private static string Inject(int vcpu, Choices ch)
    {
        var type = new[] { "ext_int", "nmi", "hw_exc", "sw_int" }[ch.Pick(4)];
        if (type == "hw_exc" && ch.Pick(2) == 0)
        {
            // A hardware exception with a vector below 32, with its error code where it pushes one (SDM Table 6-1).
            var vector = s_errorCodeVectors[ch.Pick(s_errorCodeVectors.Length)];
            return $"{{vm: {{op: inject, vm: g0, vcpu: {vcpu}, type: hw_exc, vector: {vector}, error_code: {Hex((ulong)ch.Pick(0x10000))}}}}}";
        }

        var v = ch.Pick(4) == 0 ? ch.Pick(0x20) : 0x20 + ch.Pick(0xE0);
        return type == "nmi" && ch.Pick(2) == 0
            ? $"{{vm: {{op: inject, vm: g0, vcpu: {vcpu}, type: nmi}}}}"
            : $"{{vm: {{op: inject, vm: g0, vcpu: {vcpu}, type: {type}, vector: {Hex((ulong)v)}}}}}";
    }

    /// <summary>
    /// A guest handler's actions (SCENARIOS.md §9, docs/simulation.md "Guest handlers' actions"): STI, time, reads and
    /// writes of its own APIC (named, or raw in the machine's mode: x2APIC MSRs, xAPIC MMIO), EOIs, self-IPIs, IPIs to the
    /// VM's vCPUs (or an APIC ID none has) through the <c>ipi</c> action or the ICR, and device actions. IPIs go to higher
    /// vectors only (from an interrupt handler), so handler chains stay finite; a device action follows some time, so a
    /// handler that re-raises its own interrupt loops, but not in zero time.
    /// </summary>
    private static string GuestActions(Ctx c, int vector, Choices ch, int vcpus)
    {
        var actions = new List<string>();
        var n = ch.Pick(3);
        var fromInterrupt = vector is >= 0x20 and < 0xFF;
        for (var k = 0; k < n; k++)
        {
            var name = "g" + vector.ToString(CultureInfo.InvariantCulture) + "_" + k.ToString(CultureInfo.InvariantCulture);
            var higher = fromInterrupt ? Hex((ulong)(vector + 1 + ch.Pick(0xFF - vector))) : "0x30";
            switch (ch.Pick(10))
            {
                case 0:
                    actions.Add("sti");
                    break;
                case 1:
                    actions.Add("{advance: " + s_durations[ch.Pick(4)] + "}");
                    break;
                case 2 when fromInterrupt:
                    actions.Add("{ipi: {to: self, vector: " + higher + "}}");
                    break;
                case 4:
                    {
                        var tpr = Hex((ulong)(ch.Pick(16) << 4));
                        actions.Add(ch.Pick(2) == 0 ? "{write: {reg: apic.tpr, value: " + tpr + "}}"
                            : c.X2 ? "{write: {msr: 0x808, value: " + tpr + "}}" : "{write: {mmio: 0xFEE00080, value: " + tpr + "}}");
                        break;
                    }

                case 5:
                    {
                        // ID, TPR, PPR, an ISR or IRR word: the offsets the guest's APIC answers.
                        var offset = new[] { 0x20, 0x80, 0xA0, 0x100 + (ch.Pick(8) << 4), 0x200 + (ch.Pick(8) << 4) }[ch.Pick(5)];
                        actions.Add(c.X2
                            ? "{read: {msr: " + Hex((ulong)(0x800 + (offset >> 4))) + ", as: " + name + "}}"
                            : "{read: {mmio: " + Hex((ulong)(0xFEE00000 + offset)) + ", as: " + name + "}}");
                        break;
                    }

                case 6 when fromInterrupt:
                    {
                        var to = ch.Pick(4) switch
                        {
                            0 => "all-but-self",
                            1 => "{physical: " + (c.X2 ? "0xFFFFFFFF" : "0xFF") + "}",
                            // A vCPU number of the VM (the loader refuses others), or an APIC ID no vCPU has, raw.
                            _ => ch.Pick(vcpus + 1) is var id && id < vcpus
                                ? id.ToString(CultureInfo.InvariantCulture)
                                : "{physical: " + id.ToString(CultureInfo.InvariantCulture) + "}",
                        };
                        actions.Add(ch.Pick(4) == 0
                            ? "{ipi: {to: " + to + ", mode: nmi}}"
                            : "{ipi: {to: " + to + ", vector: " + higher + (ch.Pick(3) == 0 ? ", mode: lowest" : string.Empty) + "}}");
                        break;
                    }

                case 7 when c.Devices.Count > 0:
                    AddDeviceAction(c, ch, actions);
                    break;

                case 8 when fromInterrupt:
                    {
                        // The ICR: fixed, to a vCPU by its APIC ID or with a shorthand (self, all, all-but-self).
                        var dest = (ulong)ch.Pick(vcpus + 1);
                        var low = (ulong)(uint)(vector + 1 + ch.Pick(0xFF - vector)) | ((ulong)(uint)ch.Pick(4) << 18);
                        actions.Add(ch.Pick(2) == 0
                            ? "{write: {reg: apic.icr, value: " + Hex((dest << (c.X2 ? 32 : 56)) | low) + "}}"
                            : c.X2 ? "{write: {msr: 0x830, value: " + Hex((dest << 32) | low) + "}}"
                            : "{write: {mmio: 0xFEE00310, value: " + Hex(dest << 24) + "}}, {write: {mmio: 0xFEE00300, value: " + Hex(low) + "}}");
                        break;
                    }

                case 9:
                    actions.Add(ch.Pick(2) == 0 ? "{write: {reg: apic.eoi, value: 0}}"
                        : c.X2 ? "{write: {msr: 0x80B, value: 0}}" : "{write: {mmio: 0xFEE000B0, value: 0}}");
                    break;
                default:
                    actions.Add("{read: {reg: apic.isr, as: " + name + "}}");
                    break;
            }
        }

        if (ch.Pick(4) != 0)
        {
            actions.Add("eoi");
        }

        return string.Join(", ", actions);
    }

    /// <summary>A splitmix64 finalizer: an independent choice number for one part of a scenario.</summary>
    private static ulong Mix(ulong seed, ulong part)
    {
        var z = seed + ((part + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The local APIC timer in one of its modes (SDM 11.5.4): LVT timer, divide, then the count or the deadline.</summary>
    private static string TimerProgram(Ctx c, Choices ch)
    {
        var cpu = Cpu(c, ch);
        var mode = ch.Pick(3);
        c.PeriodicTimer |= mode == 1;
        var masked = ch.Pick(6) == 0 ? 0x10000 : 0;
        var lvt = (mode << 17) | masked | (0x20 + ch.Pick(0xE0));
        var lines = new List<string>
        {
            $"{{write: {{cpu: {cpu}, reg: apic.timer.divide, value: {Hex((ulong)new[] { 0xB, 0x0, 0x1, 0x3, 0xA }[ch.Pick(5)])}}}}}",
            $"{{write: {{cpu: {cpu}, reg: apic.lvt.timer, value: {Hex((ulong)lvt)}}}}}",
        };
        lines.Add(mode == 2
            ? $"{{write: {{cpu: {cpu}, msr: 0x6E0, value: {(ch.Pick(4) == 0 ? 0 : 1 + ch.Pick(200_000))}}}}}"
            : $"{{write: {{cpu: {cpu}, reg: apic.timer.initial, value: {1 + ch.Pick(100_000)}}}}}");
        return string.Join("\n  - ", lines);
    }

    /// <summary>An 8259 pair initialised as the PC does (ICW1-ICW4, 8259A datasheet), then masks, and LINT0 as ExtINT.</summary>
    private static string PicProgram(Ctx c, Choices ch)
    {
        var icw4 = ch.Pick(2) == 0 ? 0x01 : 0x03; // 8086 mode, optionally auto-EOI
        // Level or edge triggered: level with a stuck line storms in zero time up to the handler bound (seconds of work),
        // so the long event sequences program edge triggering only.
        var icw1 = !c.EventsOnly && ch.Pick(8) == 0 ? 0x19 : 0x11;
        var masterBase = 0x20 + (ch.Pick(0x1C) << 3);
        var slaveBase = 0x20 + (ch.Pick(0x1C) << 3);
        var lines = new List<string>
        {
            $"{{write: {{port: 0x20, value: {Hex((ulong)icw1)}}}}}",
            $"{{write: {{port: 0x21, value: {Hex((ulong)masterBase)}}}}}",
            "{write: {port: 0x21, value: 0x04}}",
            $"{{write: {{port: 0x21, value: {Hex((ulong)icw4)}}}}}",
            $"{{write: {{port: 0xA0, value: {Hex((ulong)icw1)}}}}}",
            $"{{write: {{port: 0xA1, value: {Hex((ulong)slaveBase)}}}}}",
            "{write: {port: 0xA1, value: 0x02}}",
            $"{{write: {{port: 0xA1, value: {Hex((ulong)icw4)}}}}}",
            $"{{write: {{port: 0x21, value: {Hex((ulong)(ch.Pick(2) == 0 ? 0 : ch.Pick(256) & ~4))}}}}}",
            $"{{write: {{port: 0xA1, value: {Hex((ulong)(ch.Pick(2) == 0 ? 0 : ch.Pick(256)))}}}}}",
        };
        if (ch.Pick(2) == 0)
        {
            lines.Add($"{{write: {{cpu: {Cpu(c, ch)}, reg: apic.lvt.lint0, value: 0x700}}}}");
        }

        if (ch.Pick(3) == 0)
        {
            lines.Add($"{{write: {{port: {new[] { "0x4D0", "0x4D1" }[ch.Pick(2)]}, value: {Hex((ulong)ch.Pick(256))}}}}}");
        }

        // OCW2/OCW3 commands after the set-up (special mask mode, rotation, specific EOI, poll), on either chip.
        for (var k = ch.Pick(4); k > 0; k--)
        {
            lines.Add($"{{write: {{port: {(ch.Pick(2) == 0 ? "0x20" : "0xA0")}, value: {Hex((ulong)PicCommand(ch))}}}}}");
        }

        if (ch.Pick(4) == 0)
        {
            // One chip initialised again on its own (ICW1 resets its edge sense and IMR; the other chip keeps its state).
            var (cmd, data, icw2, icw3) = ch.Pick(2) == 0 ? ("0x20", "0x21", masterBase, 0x04) : ("0xA0", "0xA1", slaveBase, 0x02);
            lines.Add($"{{advance: {s_durations[ch.Pick(4)]}}}");
            lines.Add($"{{write: {{port: {cmd}, value: {Hex((ulong)icw1)}}}}}");
            lines.Add($"{{write: {{port: {data}, value: {Hex((ulong)icw2)}}}}}");
            lines.Add($"{{write: {{port: {data}, value: {Hex((ulong)icw3)}}}}}");
            lines.Add($"{{write: {{port: {data}, value: {Hex((ulong)icw4)}}}}}");
        }

        return string.Join("\n  - ", lines);
    }

    /// <summary>An OCW2 or OCW3 command byte (8259A datasheet); the IR level goes in bits 0-2 where the command takes one.</summary>
    private static int PicCommand(Choices ch)
    {
        var command = s_picCommands[ch.Pick(s_picCommands.Length)];
        return command is 0x60 or 0xE0 or 0xC0 ? command | ch.Pick(8) : command;
    }

    /// <summary>An IOAPIC redirection entry with decoded fields (SDM-era 82093AA datasheet): vector, delivery mode,
    /// logical/physical destination, polarity, trigger, mask and destination.</summary>
    private static string RedirectionEntry(Ctx c, Choices ch)
    {
        var vector = (ulong)(0x20 + ch.Pick(0xE0));
        var delivery = (ulong)new[] { 0, 0, 1, 4, 7, 2, 5 }[ch.Pick(7)];
        var logical = (ulong)ch.Pick(2);
        // Mostly active high and edge: an active-low level entry on an idle or unconnected pin is asserted for good and
        // storms in zero time until the run's handler bound (docs/simulation.md), which costs seconds per scenario.
        var polarity = ch.Pick(4) == 0 ? 1UL : 0UL;
        var trigger = ch.Pick(3) == 0 ? 1UL : 0UL;
        var mask = ch.Pick(5) == 0 ? 1UL : 0UL;
        var dest = logical == 1 ? (ulong)ch.Pick(256) : (ulong)ch.Pick(c.Cpus + 1);
        var value = vector | (delivery << 8) | (logical << 11) | (polarity << 13) | (trigger << 15) | (mask << 16) | (dest << 56);
        var ioapic = c.IoApic1Pins > 0 && ch.Pick(2) == 0 ? 1 : 0;
        var pin = ch.Pick(ioapic == 1 ? c.IoApic1Pins : 24);
        return $"{{write: {{ioapic: {ioapic}, reg: redir.{pin}, value: {Hex(value)}}}}}";
    }

    private sealed record Dev(string Name, bool Line, bool Isa, int Messages);

    private sealed class Ctx(bool bare, int cpus, bool x2)
    {
        public bool Bare { get; } = bare;

        public int Cpus { get; } = cpus;

        public bool X2 { get; } = x2;

        public List<Dev> Devices { get; } = [];

        public int VmVcpus { get; set; }

        public HashSet<int> Entered { get; } = [];

        public int IoApic1Pins { get; set; }

        public bool TimerWorkload { get; set; }

        public bool PeriodicTimer { get; set; }

        public int IoApic1Id { get; set; }

        public string SharedPolarity { get; set; } = "high";

        /// <summary>Names recorded by top-level reads, and whether each is a vector list (ISR, TMR, IRR).</summary>
        public List<(string Name, bool List)> Reads { get; } = [];

        public bool EventsOnly { get; init; }
    }

    /// <summary>Reads small choices out of one number: 0 picks the first alternative, so shrinking simplifies.</summary>
    private sealed class Choices(ulong value)
    {
        private ulong _value = value;

        public int Pick(int n)
        {
            var r = (int)(_value % (ulong)n);
            _value /= (ulong)n;
            return r;
        }

        public ulong Rest() => _value;
    }
}
