using IrqLab.Scenarios;
using IrqLab.Scenarios.Model;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;
using IrqLab.Virtualization;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Issue 6 at machine level: small inline scenarios with a guest pinned to CPU 1, run through
/// <see cref="Simulator.Run"/>, with assertions on <c>dispatch</c>, <c>vmexits</c> and /proc/interrupts rows. Each case
/// names the SDM section (Vol. 3C) or the KVM source it checks.
/// </summary>
public sealed class VmxScenarioTests
{
    private static string Scenario(string kernel, string vm, string steps, string devices = "", int cpu = 1) => $$"""
        irqlab: 1
        name: vmx
        kernel: {{kernel}}
        machine: {cpus: 2}
        {{devices}}
        vms:
          - name: g0
            vcpus: [{cpu: {{cpu}}}]
        {{vm}}
        steps:
          - vm: {op: enter, vm: g0, vcpu: 0}
        {{steps}}
        """;

    private static RunResult Run(string kernel, string vm, string steps, string devices = "", int cpu = 1) =>
        Sim.Run(Scenario(kernel, vm, steps, devices, cpu));

    // ------------------------------------------------------------------ external-interrupt exits

    /// <summary>
    /// SDM 25.2 / 27.2.2: with "acknowledge interrupt on exit" the exit (reason 1) acknowledges the local APIC and stores
    /// the vector in the VM-exit interruption information; KVM <c>handle_external_interrupt_irqoff()</c> then runs the
    /// host handler, through <c>external_interrupt()</c>/<c>fred_entry_from_kvm</c> (software) or the IDT gate (idt).
    /// </summary>
    [Theory]
    [InlineData("idt", "software", "sysvec_table")]
    [InlineData("idt", "idt", "idt_gate")]
    [InlineData("fred", "software", "sysvec_table")]
    [InlineData("fred", "idt", "idt_gate")]
    public void External_interrupt_exit_with_ack_on_exit_carries_the_vector_and_the_reinjection_path(string delivery, string reinject, string path)
    {
        var r = Run($"{{version: \"6.10\", delivery: {delivery}}}",
            $"    reinject: {reinject}\n    ack_interrupt_on_exit: true",
            "  - {ipi: {from: 0, to: 1, vector: RESCHEDULE_VECTOR}}\n  - {read: {cpu: 1, reg: apic.isr, as: isr}}");

        var exit = Assert.Single(r.VmExits);
        Assert.Equal(("EXTERNAL_INTERRUPT", (int?)0xFD, reinject, 1), (exit.Reason, exit.Vector, exit.ReinjectedVia, exit.Cpu));
        var d = Assert.Single(r.Dispatch);
        Assert.Equal((1, "ext_int", 0xFD, "sysvec_reschedule_ipi", path, (string?)null), (d.Cpu, d.Event, d.Vector, d.Handler, d.Path, d.Vm));
        Assert.Equal(1UL, Sim.Count(r, "RES", 1));
        Assert.Empty(Assert.Single(r.Reads).Value.List!); // the host handler's EOI cleared the ISR bit the exit set
    }

    /// <summary>
    /// SDM 25.2 / 27.2.2: without "acknowledge interrupt on exit" the exit carries no vector (interruption info invalid)
    /// and the interrupt stays pending in the local APIC; the host takes it through its own IDT or FRED once it sets IF
    /// (KVM: <c>vmx_handle_exit_irqoff</c> does nothing, <c>local_irq_enable()</c> delivers it). Posted interrupts need
    /// the ack control (SDM 26.2.1.1), so they are off here.
    /// </summary>
    [Theory]
    [InlineData("idt", "idt_gate", true)]
    [InlineData("fred", "sysvec_table", true)]
    [InlineData("idt", "idt_gate", false)]
    [InlineData("fred", "sysvec_table", false)]
    public void External_interrupt_exit_without_ack_leaves_the_vector_to_the_host_idt_or_fred(string delivery, string path, bool postedOffWritten)
    {
        // Left unsaid, posted_interrupts follows ack_interrupt_on_exit (docs/scenario-loader.md): the VM enters either way.
        var r = Run($"{{version: \"6.10\", delivery: {delivery}}}",
            "    reinject: software\n    ack_interrupt_on_exit: false" + (postedOffWritten ? "\n    posted_interrupts: false" : string.Empty),
            "  - {ipi: {from: 0, to: 1, vector: CALL_FUNCTION_VECTOR}}");

        var exit = Assert.Single(r.VmExits);
        Assert.Equal(("EXTERNAL_INTERRUPT", (int?)null, (string?)null), (exit.Reason, exit.Vector, exit.ReinjectedVia));
        var d = Assert.Single(r.Dispatch);
        Assert.Equal((1, 0xFC, "sysvec_call_function", path, (string?)null), (d.Cpu, d.Vector, d.Handler, d.Path, d.Vm));
        Assert.Equal(1UL, Sim.Count(r, "CAL", 1));
    }

    /// <summary>
    /// SDM 25.2: with external-interrupt exiting, an external interrupt causes a VM exit regardless of the guest's
    /// RFLAGS.IF; the guest handler that was running (IF=0) resumes after re-entry, and a virtual interrupt posted
    /// meanwhile waits for its IRET (SDM 30.2.1: virtual-interrupt delivery needs guest IF=1).
    /// </summary>
    [Fact]
    public void External_interrupt_exits_even_while_the_guest_has_if_clear()
    {
        var r = Run("{version: \"6.10\"}",
            "    handlers:\n      - {vector: 0x30, do: [{advance: 5us}, eoi]}\n      - {vector: 0x31, do: [eoi]}",
            """
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {advance: 1us}
              - {ipi: {from: 0, to: 1, vector: RESCHEDULE_VECTOR}}
              - {advance: 1us}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x31}}
              - {advance: 20us}
            """);

        var exit = Assert.Single(r.VmExits);
        Assert.Equal(("EXTERNAL_INTERRUPT", (int?)0xFD, 1000L), (exit.Reason, exit.Vector, exit.TimeNs));
        Assert.Equal(
            new[] { ("vector_0x30", "g0", 0L, 0), ("sysvec_reschedule_ipi", null, 1000L, 0), ("vector_0x31", "g0", 5000L, 0) },
            r.Dispatch.Select(d => (d.Handler, d.Vm, d.TimeNs, d.Depth)));
    }

    /// <summary>
    /// A level-triggered IOAPIC line exits like any external interrupt; the host's <c>common_interrupt</c> runs the
    /// fasteoi flow, whose EOI clears the pin's remote IRR (IOAPIC datasheet §3.2.4), and counts the irq row.
    /// </summary>
    [Theory]
    [InlineData("idt", "idt")]
    [InlineData("fred", "software")]
    public void Level_triggered_device_interrupt_exits_and_the_host_flow_handler_completes_it(string delivery, string reinject)
    {
        var r = Run($"{{version: \"6.10\", delivery: {delivery}}}", $"    reinject: {reinject}",
            "  - {raise: ata0}\n  - {advance: 5us}\n  - {read: {ioapic: 0, reg: redir.16, as: redir}}\n  - {read: {cpu: 0, reg: apic.isr, as: isr}}",
            "devices:\n  - {name: ata0, line: {ioapic: 0, pin: 16, trigger: level, polarity: low}, handler: {returns: handled, cost: 1us}}",
            cpu: 0); // Linux routes the irq to CPU 0: the guest runs there

        var exit = Assert.Single(r.VmExits);
        Assert.Equal(("EXTERNAL_INTERRUPT", reinject), (exit.Reason, exit.ReinjectedVia));
        var d = Assert.Single(r.Dispatch);
        Assert.Equal(("common_interrupt", (int?)16, (string?)null), (d.Handler, d.Irq, d.Vm));
        Assert.Equal(0UL, Sim.Read(r, "redir").Scalar & (1UL << 14));
        Assert.Empty(Sim.Read(r, "isr").List!);
        Assert.Equal(new ulong[] { 1, 0 }, r.InterruptRows.Single(x => x.Row == "16").Counts);
    }

    // ------------------------------------------------------------------ re-injection: idt vs software

    public static TheoryData<string, string, string> EveryVectorOfEveryVersion()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (name, version) in new[] { ("6.1", IrqLab.Vectors.KernelVersion.V6_1), ("6.6", IrqLab.Vectors.KernelVersion.V6_6),
                     ("6.9", IrqLab.Vectors.KernelVersion.V6_9), ("6.10", IrqLab.Vectors.KernelVersion.V6_10), ("latest", IrqLab.Vectors.KernelVersion.Latest) })
        {
            var layout = IrqLab.Vectors.VectorLayout.For(version);
            var vectors = layout.SystemVectors.Where(v => v.Name is not null).Select(v => v.Name!).ToList();
            if (layout.MoveCleanupVector is { Name: { } cleanup })
            {
                vectors.Add(cleanup);
            }

            vectors.Add("device");
            foreach (var delivery in version >= IrqLab.Vectors.KernelVersion.V6_9 ? new[] { "idt", "fred" } : ["idt"])
            {
                foreach (var v in vectors)
                {
                    data.Add(name, delivery, v);
                }
            }
        }

        return data;
    }

    /// <summary>
    /// Issue 6: <c>reinject: idt</c> (legacy KVM: call the handler found in the host IDT gate) and <c>reinject: software</c>
    /// (<c>external_interrupt()</c>: the system vector table or <c>common_interrupt</c>) run the same handler and move the
    /// same counters for every system vector (and IRQ_MOVE_CLEANUP_VECTOR where the version has it) and a device vector;
    /// only <c>dispatch[].path</c> and <c>vmexits[].reinjected_via</c> differ.
    /// </summary>
    [Theory]
    [MemberData(nameof(EveryVectorOfEveryVersion))]
    public void Idt_and_software_reinjection_run_the_same_handler_and_counters(string version, string delivery, string vector)
    {
        var kernel = $"{{version: \"{version}\", delivery: {delivery}}}";
        var devices = "devices:\n  - {name: eth0, msix: {vectors: 1, affinity: [1]}}";
        var step = vector == "device" ? "  - {raise: eth0}" : $"  - {{ipi: {{from: 0, to: 1, vector: {vector}}}}}";

        // Posted interrupts off: POSTED_INTR_VECTOR must cause an exit like any other vector here.
        var idt = Run(kernel, "    reinject: idt\n    posted_interrupts: false", step, devices);
        var software = Run(kernel, "    reinject: software\n    posted_interrupts: false", step, devices);

        Assert.Empty(idt.Faults);
        var exit = Assert.Single(idt.VmExits);
        Assert.Equal(("EXTERNAL_INTERRUPT", "idt"), (exit.Reason, exit.ReinjectedVia));
        Assert.Equal("software", Assert.Single(software.VmExits).ReinjectedVia);
        Assert.Equal(idt.VmExits.Select(x => x with { ReinjectedVia = null }), software.VmExits.Select(x => x with { ReinjectedVia = null }));

        var a = Assert.Single(idt.Dispatch);
        var b = Assert.Single(software.Dispatch);
        Assert.Equal(a with { Path = string.Empty }, b with { Path = string.Empty });
        Assert.Equal("idt_gate", a.Path);
        Assert.Contains(b.Path, new[] { "sysvec_table", "common_interrupt" });
        Assert.Equal(1, a.Cpu);
        Assert.Null(a.Vm);

        Assert.Equal(Rows(idt), Rows(software));
        Assert.Equal(idt.Messages, software.Messages);
        Assert.Equal(idt.Faults, software.Faults);
    }

    // ------------------------------------------------------------------ kCFI on the software path

    /// <summary>
    /// The 2022 review of the cast-based <c>system_interrupt_handler_table</c>: with kCFI, KVM's software re-injection
    /// calls a <c>sysvec_*(regs)</c> through a <c>(regs, vector)</c> pointer and traps (UD2, "CFI failure at"); the IDT
    /// re-injection calls the gate's handler directly and never traps; mainline's table has the handlers' own type.
    /// Slots holding the default <c>spurious_interrupt(regs, vector)</c>, IRQ_MOVE_CLEANUP_VECTOR and device vectors
    /// (<c>common_interrupt</c>) are not called through a mistyped pointer and never trap.
    /// </summary>
    [Theory]
    [InlineData("{version: \"6.1\", variant: rfc-2022, delivery: idt, cfi: true}", "software", "RESCHEDULE_VECTOR", true)]
    [InlineData("{version: \"6.1\", variant: rfc-2022, delivery: idt, cfi: true}", "software", "LOCAL_TIMER_VECTOR", true)]
    [InlineData("{version: \"6.1\", variant: rfc-2022, delivery: idt, cfi: true}", "software", "SPURIOUS_APIC_VECTOR", true)]
    [InlineData("{version: \"6.1\", variant: rfc-2022, delivery: idt, cfi: true}", "software", "HYPERVISOR_CALLBACK_VECTOR", false)]
    [InlineData("{version: \"6.1\", variant: rfc-2022, delivery: idt, cfi: true}", "software", "IRQ_MOVE_CLEANUP_VECTOR", false)]
    [InlineData("{version: \"6.1\", variant: rfc-2022, delivery: idt, cfi: true}", "software", "0x41", false)]
    [InlineData("{version: \"6.1\", variant: rfc-2022, delivery: idt, cfi: true}", "idt", "RESCHEDULE_VECTOR", false)]
    [InlineData("{version: \"6.1\", variant: rfc-2022, delivery: idt, cfi: true}", "idt", "LOCAL_TIMER_VECTOR", false)]
    [InlineData("{version: \"6.1\", variant: rfc-2022, delivery: fred, cfi: true}", "software", "RESCHEDULE_VECTOR", true)]
    [InlineData("{version: \"6.1\", variant: rfc-2022, delivery: fred, cfi: true}", "idt", "RESCHEDULE_VECTOR", false)]
    [InlineData("{version: \"6.1\", cfi: true}", "software", "RESCHEDULE_VECTOR", false)]
    [InlineData("{version: \"6.6\", cfi: true}", "software", "LOCAL_TIMER_VECTOR", false)]
    [InlineData("{version: \"6.9\", delivery: fred, cfi: true}", "software", "RESCHEDULE_VECTOR", false)]
    [InlineData("{version: \"6.10\", delivery: fred, cfi: true}", "software", "LOCAL_TIMER_VECTOR", false)]
    [InlineData("{version: latest, delivery: fred, cfi: true}", "software", "RESCHEDULE_VECTOR", false)]
    [InlineData("{version: latest, cfi: true}", "idt", "RESCHEDULE_VECTOR", false)]
    public void Cfi_traps_only_on_the_rfc_2022_software_reinjection_path(string kernel, string reinject, string vector, bool traps)
    {
        var r = Run(kernel, $"    reinject: {reinject}\n    posted_interrupts: false",
            $"  - {{ipi: {{from: 0, to: 1, vector: {vector}}}}}");

        var exit = Assert.Single(r.VmExits);
        Assert.Equal(("EXTERNAL_INTERRUPT", reinject), (exit.Reason, exit.ReinjectedVia));
        var d = Assert.Single(r.Dispatch);
        if (traps)
        {
            Assert.Equal(1, Assert.Single(r.Faults, f => f.Kind == "cfi_failure").Cpu);
            Assert.Contains(r.Messages, m => m.Text.StartsWith("CFI failure at", StringComparison.Ordinal));
            Assert.Equal(("hw_exc", 6, "exc_invalid_op"), (d.Event, d.Vector, d.Handler));
        }
        else
        {
            Assert.Empty(r.Faults);
            Assert.DoesNotContain(r.Messages, m => m.Text.Contains("CFI failure", StringComparison.Ordinal));
            Assert.Equal("ext_int", d.Event);
            Assert.NotEqual("exc_invalid_op", d.Handler);
        }

        if (vector == "RESCHEDULE_VECTOR")
        {
            Assert.Equal(traps ? 0UL : 1UL, Sim.Count(r, "RES", 1));
        }
    }

    // ------------------------------------------------------------------ NMIs

    /// <summary>
    /// SDM 25.2 / 27.2.2: with NMI exiting an NMI in guest mode exits with reason 0 (EXCEPTION_NMI), interruption type
    /// NMI, vector 2; KVM <c>vmx_handle_exit_irqoff</c> → <c>vmx_do_nmi_irqoff</c> runs the host's <c>exc_nmi</c>.
    /// </summary>
    [Theory]
    [InlineData("idt", "software")]
    [InlineData("idt", "idt")]
    [InlineData("fred", "software")]
    public void Nmi_in_guest_mode_exits_and_runs_the_host_exc_nmi(string delivery, string reinject)
    {
        var r = Run($"{{version: \"6.10\", delivery: {delivery}}}", $"    reinject: {reinject}", "  - {nmi: {cpu: 1}}");

        var exit = Assert.Single(r.VmExits);
        Assert.Equal(("EXCEPTION_NMI", (int?)2, 1), (exit.Reason, exit.Vector, exit.Cpu));
        var d = Assert.Single(r.Dispatch);
        Assert.Equal((1, "nmi", 2, "exc_nmi", "nmi", (string?)null), (d.Cpu, d.Event, d.Vector, d.Handler, d.Path, d.Vm));
        Assert.Equal(1UL, Sim.Count(r, "NMI", 1));
    }

    /// <summary>
    /// The NMI watchdog's counter overflow (LVT PMC programmed as NMI) on a CPU that runs a guest exits with EXCEPTION_NMI
    /// and the host's exc_nmi runs through KVM's NMI exit (vmx_handle_nmi); perf_event_nmi_handler() counts it in PMI there
    /// as on the host path, at once. Before, the exit path counted NMI only and left the overflow pending, so a later,
    /// unrelated NMI taken in host mode was the one counted in PMI (second row: the platform NMI after the guest halted).
    /// </summary>
    [Theory]
    [InlineData(false, 2UL)]
    [InlineData(true, 3UL)]
    public void Watchdog_nmi_in_guest_mode_counts_in_pmi_through_the_nmi_exit(bool hostNmiAfter, ulong nmis)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: watchdog-in-guest
            kernel: {version: latest}
            machine: {cpus: 2, nmi_watchdog: true}
            vms:
              - {name: g0, vcpus: [{cpu: 1}]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {advance: 10500ms}
              - {nmi: {cpu: 1}}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {expect: {row: PMI, cpu: 1, equals: 1}}
            {{{(hostNmiAfter ? "  - {nmi: {cpu: 1}}" : "")}}}
            """);

        Assert.All(r.Expects, e => Assert.True(e.Ok, e.Detail));

        Assert.Equal([(10_000_000_000L, "EXCEPTION_NMI"), (10_500_000_000L, "EXCEPTION_NMI"), (10_500_000_000L, "HLT")],
            r.VmExits.Select(x => (x.TimeNs, x.Reason)));
        Assert.Equal(nmis, Sim.Count(r, "NMI", 1));
        Assert.Equal(1UL, Sim.Count(r, "PMI", 1));
        Assert.Equal(1UL, Sim.Count(r, "PMI", 0));
    }

    /// <summary>
    /// SDM Vol. 3C 27.1 / Vol. 3A 6.7.1: after an NMI exit the host runs with NMIs blocked until its handler returns (KVM forges the
    /// IRET/ERETS frame); a second NMI meanwhile is held pending and taken only after the return. Bare host handler so
    /// the NMI handler spends time.
    /// </summary>
    [Fact]
    public void Second_nmi_during_the_host_nmi_handler_is_delivered_after_it_returns()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: nmi-blocking
            kernel: {mode: bare}
            machine: {cpus: 2}
            handlers:
              - {vector: 2, do: [{advance: 5us}]}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
            steps:
              - vm: {op: enter, vm: g0, vcpu: 0}
              - {nmi: {cpu: 1}}
              - {advance: 1us}
              - {nmi: {cpu: 1}}
              - {advance: 20us}
            """);

        Assert.Equal(new[] { (0L, 0), (5000L, 0) }, r.Dispatch.Select(d => (d.TimeNs, d.Depth)));
        Assert.All(r.Dispatch, d => Assert.Equal(("nmi", "vector_0x02", (string?)null), (d.Event, d.Handler, d.Vm)));
        Assert.Equal((0L, "EXCEPTION_NMI"), (r.VmExits[0].TimeNs, r.VmExits[0].Reason));

        // Not asserted: whether the pending NMI is taken in host mode right after the IRET (KVM vmx_do_nmi_irqoff
        // returns to root mode, where the unblocked NMI is delivered through the host IDT) or after a re-entry as a
        // second EXCEPTION_NMI exit (what the model does today; reported to the lead).
    }

    // ------------------------------------------------------------------ interrupt window

    /// <summary>
    /// Without APICv KVM emulates the guest's local APIC: a new interrupt kicks the vCPU (reschedule IPI → exit), and
    /// at entry KVM injects the highest IRR vector only if the guest can take it; with guest IF=0 (inside its handler)
    /// it sets interrupt-window exiting instead (<c>vmx_enable_irq_window</c>), and the INTERRUPT_WINDOW exit (SDM 26.7.5,
    /// 27.2) comes once the guest's IRET sets IF, after which the interrupt is injected.
    /// </summary>
    [Fact]
    public void Emulated_interrupt_waits_for_the_interrupt_window_while_the_guest_has_if_clear()
    {
        var r = Run("{version: \"6.10\"}",
            """
                apicv: false
                posted_interrupts: false
                handlers:
                  - {vector: 0x30, do: [{advance: 5us}, eoi]}
                  - {vector: 0x31, do: [eoi]}
            """,
            """
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {advance: 1us}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x31}}
              - {advance: 20us}
            """);

        var guest = r.Dispatch.Where(d => d.Vm == "g0").ToList();
        Assert.Equal(new[] { ("vector_0x30", 0L), ("vector_0x31", 5000L) }, guest.Select(d => (d.Handler, d.TimeNs)));
        Assert.All(guest, d => Assert.Equal((0, (int?)0, "ext_int"), (d.Depth, d.Vcpu, d.Event)));
        var window = Assert.Single(r.VmExits, x => x.Reason == "INTERRUPT_WINDOW");
        Assert.Equal(5000L, window.TimeNs);
        Assert.Equal(2UL, Sim.Count(r, "RES", 1)); // each emulated interrupt kicked the running vCPU
    }

    // ------------------------------------------------------------------ event injection

    /// <summary>SDM 26.2.1.3 / 26.6: valid injections are delivered through the guest IDT at entry, with vm/vcpu set.</summary>
    [Theory]
    [InlineData("ext_int", 0x40, null, "ext_int")]
    [InlineData("nmi", 2, null, "nmi")]
    [InlineData("hw_exc", 14, 2L, "hw_exc")]
    [InlineData("hw_exc", 13, 0xFFFFL, "hw_exc")]
    [InlineData("hw_exc", 8, 0L, "hw_exc")]
    [InlineData("hw_exc", 6, null, "hw_exc")]
    [InlineData("sw_int", 0x80, null, "sw_int")]
    [InlineData("sw_exc", 3, null, "sw_exc")]
    [InlineData("priv_sw_exc", 1, null, "priv_sw_exc")]
    public void Valid_injection_runs_the_guest_handler(string type, int vector, long? errorCode, string evt)
    {
        var ec = errorCode is { } e ? $", error_code: {e}" : string.Empty;
        var r = Run("{version: \"6.10\"}",
            $"    handlers:\n      - {{vector: {vector}, do: []}}",
            $"  - {{vm: {{op: inject, vm: g0, vcpu: 0, type: {type}, vector: {vector}{ec}}}}}");

        Assert.Empty(r.Faults);
        Assert.Empty(r.VmExits);
        var d = Assert.Single(r.Dispatch);
        Assert.Equal((1, evt, vector, $"vector_0x{vector:x2}", "g0", (int?)0), (d.Cpu, d.Event, d.Vector, d.Handler, d.Vm, d.Vcpu));
    }

    /// <summary>
    /// SDM 26.5.2 / 26.6: interruption type 7 (other event) with vector 0 delivers no event (the entry is not vectoring);
    /// it makes an MTF VM exit pending on the instruction boundary after the entry, ahead of NMIs and interrupts
    /// (25.5.2), and KVM's handle_monitor_trap() resumes the guest, which then takes what is pending. No guest
    /// handler runs for vector 0.
    /// </summary>
    [Theory]
    [InlineData(false, new[] { "MONITOR_TRAP_FLAG" })]
    [InlineData(true, new[] { "HLT", "MONITOR_TRAP_FLAG" })]
    public void Injected_pending_MTF_exits_with_MONITOR_TRAP_FLAG_and_delivers_nothing(bool writtenWhileHalted, string[] exits)
    {
        var inject = "  - {vm: {op: inject, vm: g0, vcpu: 0, type: other, vector: 0}}";
        var steps = writtenWhileHalted
            ? $"  - {{vm: {{op: exit, vm: g0, vcpu: 0}}}}\n{inject}\n  - {{vm: {{op: enter, vm: g0, vcpu: 0}}}}"
            : inject;
        var r = Run("{version: \"6.10\"}", "    handlers:\n      - {vector: 0, do: []}\n      - {vector: 0x30, do: [eoi]}",
            steps + "\n  - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}");

        Assert.Empty(r.Faults);
        Assert.Equal(exits, r.VmExits.Select(x => x.Reason).ToArray());
        Assert.Equal([(0x30, "vector_0x30", "g0")], r.Dispatch.Select(d => (d.Vector, d.Handler, d.Vm)).ToArray());
    }

    /// <summary>
    /// SDM 26.2.1.3 control-field checks on the VM-entry interruption-information field: VMfailValid (VM-instruction
    /// error 7), so no VM exit is recorded; the run records <c>vmentry_failure</c> and the SDM's reason, and goes on.
    /// </summary>
    [Theory]
    [InlineData("nmi", 3, null, VmEntryCheck.NmiVectorNot2)]
    [InlineData("hw_exc", 32, null, VmEntryCheck.ExceptionVectorAbove31)]
    [InlineData("hw_exc", 14, null, VmEntryCheck.ErrorCodeRequired)]
    [InlineData("hw_exc", 8, null, VmEntryCheck.ErrorCodeRequired)]
    [InlineData("hw_exc", 6, 0L, VmEntryCheck.ErrorCodeNotAllowed)]
    [InlineData("ext_int", 0x40, 0L, VmEntryCheck.ErrorCodeNotAllowed)]
    [InlineData("hw_exc", 13, 0x10000L, VmEntryCheck.ErrorCodeReservedBits)]
    [InlineData("other", 1, null, VmEntryCheck.OtherVectorNotZero)]
    public void Invalid_injection_control_field_fails_entry_without_an_exit(string type, int vector, long? errorCode, VmEntryCheck check)
    {
        var ec = errorCode is { } e ? $", error_code: {e}" : string.Empty;
        var r = Run("{version: \"6.10\"}", "    handlers:\n      - {vector: 0x40, do: []}",
            $"  - {{vm: {{op: inject, vm: g0, vcpu: 0, type: {type}, vector: {vector}{ec}}}}}");

        AssertEntryFailed(r, check, invalidStateExit: false);
    }

    /// <summary>SDM 26.2.1.3: interruption type 1 is reserved (not expressible in YAML, so the step is built directly).</summary>
    [Fact]
    public void Injection_of_the_reserved_type_fails_entry()
    {
        var s = ScenarioLoader.Parse(Scenario("{version: \"6.10\"}", string.Empty, string.Empty), "vmx.yaml");
        s = s with { Steps = [.. s.Steps, new VmStep(VmOp.Inject, "g0", 0, "reserved", 0x40, null)] };

        AssertEntryFailed(Simulator.Run(s), VmEntryCheck.ReservedType, invalidStateExit: false);
    }

    /// <summary>
    /// SDM 26.3.1.4: an injected external interrupt needs guest RFLAGS.IF = 1. A guest-state check: the failed entry
    /// loads host state and reports a VM exit with basic reason 33 (INVALID_STATE) and bit 31 set (SDM 26.8).
    /// </summary>
    [Fact]
    public void Injected_external_interrupt_with_guest_if_clear_fails_entry_with_an_invalid_state_exit()
    {
        var r = Run("{version: \"6.10\"}",
            "    handlers:\n      - {vector: 0x40, do: [{advance: 5us}]}\n      - {vector: 0x41, do: []}",
            """
              - {vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x40}}
              - {advance: 1us}
              - {vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x41}}
            """);

        AssertEntryFailed(r, VmEntryCheck.InterruptWhileIfClear, invalidStateExit: true);
        Assert.Equal("vector_0x40", Assert.Single(r.Dispatch).Handler);
    }

    /// <summary>
    /// SDM 29.4.3.2: without virtual-interrupt delivery a guest's self-IPI (ICR write) causes an APIC-write VM exit
    /// (KVM: APIC_ACCESS in xAPIC mode, MSR_WRITE in x2APIC mode); KVM's kvm_apic_send_ipi() sets the emulated IRR and
    /// injects the vector on re-entry, so it nests at once in the handler that sent it (IF = 1 after its sti). The exit is
    /// trap-like, after the write completed, so the STI shadow it ran in is over: no INTERRUPT_WINDOW exit.
    /// </summary>
    [Theory]
    [InlineData("xapic", "APIC_ACCESS")]
    [InlineData("x2apic", "MSR_WRITE")]
    public void Guest_self_ipi_without_apicv_traps_and_is_injected_at_once(string apic, string exit)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: self-ipi-no-apicv
            kernel: {version: "6.10"}
            machine: {cpus: 2, apic: {{{apic}}}}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                apicv: false
                posted_interrupts: false
                handlers:
                  - {vector: 0x30, do: [sti, {ipi: {to: self, vector: 0x50}}, {advance: 1us}, eoi]}
                  - {vector: 0x50, do: [eoi]}
            steps:
              - {vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x30}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {advance: 5us}
            """);

        var guest = r.Dispatch.Where(d => d.Vm == "g0").Select(d => (d.TimeNs, d.Vector, d.Depth)).ToArray();
        Assert.True(guest.SequenceEqual([(0L, 0x30, 0), (0L, 0x50, 1)]), Sim.Describe(r));
        Assert.Equal([(0L, exit), (0L, exit), (1000L, exit)], r.VmExits.Select(x => (x.TimeNs, x.Reason)).ToArray());
    }

    /// <summary>
    /// With APICv a guest self-IPI through the ICR is virtualized in xAPIC mode (APIC-write emulation of ICR_LO with the
    /// self shorthand performs self-IPI virtualization, SDM 30.4.3.2), but in x2APIC mode the ICR is MSR 0x830, which
    /// only IPI virtualization would virtualize (SDM 30.5), and KVM intercepts it (vmx_update_msr_bitmap_x2apic leaves
    /// APIC_ICR intercepted unless enable_ipiv): an MSR_WRITE exit, after which the vector is delivered as a virtual
    /// interrupt. The x2APIC write was virtualized with no exit. Either way it nests at once (IF = 1 after the sti).
    /// </summary>
    [Theory]
    [InlineData("xapic", new string[0])]
    [InlineData("x2apic", new[] { "MSR_WRITE" })]
    public void Guest_self_ipi_with_apicv_exits_only_in_x2apic_mode(string apic, string[] exits)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: self-ipi-apicv
            kernel: {version: "6.10"}
            machine: {cpus: 2, apic: {{{apic}}}}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers:
                  - {vector: 0x30, do: [sti, {ipi: {to: self, vector: 0x50}}, {advance: 1us}, eoi]}
                  - {vector: 0x50, do: [eoi]}
            steps:
              - {vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x30}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {advance: 5us}
            """);

        var guest = r.Dispatch.Where(d => d.Vm == "g0").Select(d => (d.TimeNs, d.Vector, d.Depth)).ToArray();
        Assert.True(guest.SequenceEqual([(0L, 0x30, 0), (0L, 0x50, 1)]), Sim.Describe(r));
        Assert.Equal(exits, r.VmExits.Select(x => x.Reason).ToArray());
    }

    /// <summary>
    /// KVM vmx_vcpu_pi_put(): only a vCPU that blocks with interrupts enabled gets POSTED_INTR_WAKEUP_VECTOR; one that
    /// halted with IF = 0 keeps notifications suppressed (SN), so a post sends nothing (no PIW) and waits in the PIR
    /// until the next entry merges it; the guest takes it once it sets IF again.
    /// </summary>
    [Theory]
    [InlineData(true, 1UL)]
    [InlineData(false, 0UL)]
    public void A_vcpu_halted_with_if_clear_gets_no_wakeup_notification_kvm_vmx_vcpu_pi_put(bool ifSet, ulong piw)
    {
        var flag = ifSet ? "sti" : "cli";
        var r = Sim.Run($$$"""
            irqlab: 1
            name: hlt-if
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers: [{vector: 0x31, do: [eoi]}]
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {{{{flag}}}: {cpu: 1}}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x31}}
              - {expect: {row: PIW, cpu: 1, equals: {{{piw}}}}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {sti: {cpu: 1}}
              - {advance: 1us}
            """);

        Assert.True(r.Expects.All(e => e.Ok), Sim.Describe(r));
        Assert.Equal(0UL, Sim.Count(r, "PIN", 1));
        Assert.Single(r.Dispatch, d => d is { Vm: "g0", Vector: 0x31 });
    }

    /// <summary>
    /// A second NMI for a guest inside its NMI handler waits for the handler's IRET. With virtual NMIs KVM arms
    /// NMI-window exiting (NMI_WINDOW exit when the IRET unblocks NMIs, SDM 26.2.1.1 / 27.2); without them NMI-window
    /// exiting is unavailable and KVM's enable_nmi_window() arms the interrupt window instead, its soft NMI blocking
    /// ending when the guest can take interrupts (vmx.c, soft_vnmi_blocked): an INTERRUPT_WINDOW exit.
    /// </summary>
    [Theory]
    [InlineData(true, "NMI_WINDOW")]
    [InlineData(false, "INTERRUPT_WINDOW")]
    public void A_second_guest_nmi_waits_for_the_nmi_window_or_without_virtual_nmis_the_interrupt_window(bool virtualNmis, string exit)
    {
        var r = Run("{version: \"6.10\", delivery: idt}",
            $"    virtual_nmis: {(virtualNmis ? "true" : "false")}\n    handlers:\n      - {{vector: 2, do: [{{advance: 1us}}]}}",
            "  - {vm: {op: nmi, vm: g0, vcpu: 0}}\n  - {vm: {op: nmi, vm: g0, vcpu: 0}}\n  - {advance: 10us}");

        Assert.Equal([(0L, 2), (1000L, 2)], r.Dispatch.Where(d => d.Vm == "g0").Select(d => (d.TimeNs, d.Vector)).ToArray());
        // Each NMI kicks the running vCPU out (the reschedule IPI's exit, kvm_vcpu_kick); the second, arriving while the
        // guest is in its NMI handler, then waits for the window.
        Assert.Equal([(0L, "EXTERNAL_INTERRUPT"), (0L, "EXTERNAL_INTERRUPT"), (1000L, exit)],
            r.VmExits.Select(x => (x.TimeNs, x.Reason)).ToArray());
        Assert.Empty(r.Faults);
    }

    /// <summary>
    /// Priority between VMX events at one guest instruction boundary (SDM Vol. 3C 26.7.6: NMI-window exits "take priority
    /// over non-maskable interrupts (NMIs) and lower priority events"; 29.2.2: virtual-interrupt delivery has the priority
    /// of interrupt-window exits, which "take priority over external interrupts"). KVM enters with host interrupts off, so
    /// a host interrupt that arrived meanwhile (here: CPU 1's IF cleared before the entry) is pending when the guest starts:
    /// KVM's immediate exit right after the injected 0x41 (a virtual NMI queued behind it gets -EBUSY in
    /// kvm_check_and_inject_events(); the VMX-preemption timer's exit takes priority over NMI-window exits and lower
    /// priority events, SDM Vol. 3C 26.7.4), or the posted 0x30 merged at entry, goes first, and the EXTERNAL_INTERRUPT
    /// exit comes at the next boundary. Before, the host interrupt's exit was
    /// taken first. Last row: APICv without posted interrupts keeps the kick's exit first, as the CPU sees a request KVM
    /// sets in the virtual APIC only once RVI is updated at the re-entry (vmx_hwapic_irr_update).
    /// </summary>
    [Theory]
    [InlineData(true, "nmi; inject ext_int 0x41", "vector_0x41 vector_0x02 sysvec_call_function", "PREEMPTION_TIMER EXTERNAL_INTERRUPT")]
    [InlineData(true, "post 0x30", "vector_0x30 sysvec_call_function", "EXTERNAL_INTERRUPT")]
    [InlineData(false, "enter; post 0x30; exit", "sysvec_reschedule_ipi vector_0x30 sysvec_call_function", "EXTERNAL_INTERRUPT EXTERNAL_INTERRUPT")]
    public void Window_exits_and_virtual_interrupts_take_priority_over_a_host_interrupt_pending_at_entry_SDM_26_7(
        bool postedInterrupts, string beforeEntry, string handlers, string exits)
    {
        var before = beforeEntry.Split("; ").Select(op => op switch
        {
            "nmi" => "{vm: {op: nmi, vm: g0, vcpu: 0}}",
            "inject ext_int 0x41" => "{vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x41}}",
            "post 0x30" => "{vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}",
            "enter" => "{vm: {op: enter, vm: g0, vcpu: 0}}",
            "exit" => "{vm: {op: exit, vm: g0, vcpu: 0}}",
            _ => throw new ArgumentException(op, nameof(beforeEntry)),
        });
        var r = Sim.Run($$$"""
            irqlab: 1
            name: vmx-priority
            kernel: {version: latest}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                posted_interrupts: {{{(postedInterrupts ? "true" : "false")}}}
                handlers:
                  - {vector: 2, do: []}
                  - {vector: 0x30, do: [{advance: 1us}, eoi]}
                  - {vector: 0x41, do: [{advance: 2us}, eoi]}
            steps: [{{{string.Join(", ", before)}}}, {cli: {cpu: 1}}, {ipi: {from: 0, to: 1, vector: CALL_FUNCTION_VECTOR}}, {vm: {op: enter, vm: g0, vcpu: 0}}, {advance: 10us}]
            """);

        Assert.Equal(handlers, string.Join(' ', r.Dispatch.Select(d => d.Handler)));
        Assert.Equal(exits, string.Join(' ', r.VmExits.Where(x => x.Reason != "HLT").Select(x => x.Reason)));
        Assert.Empty(r.Faults);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// Without APICv, an entry that injects an event while the emulated APIC holds an interrupt the guest could take is
    /// followed by an immediate exit: KVM's kvm_check_and_inject_events() has can_inject = false once an event is injected
    /// (an NMI at the NMI or interrupt window) or re-injected (an inject step: KVM_SET_VCPU_EVENTS), so the interrupt gets
    /// -EBUSY and req_immediate_exit, which vmx_vcpu_run() turns into a zero VMX-preemption timer (PREEMPTION_TIMER,
    /// before the first guest instruction); on the way back in KVM finds the guest's IF = 0 in the injected event's
    /// handler and opens the interrupt window, where 0x60 is injected. Before, nothing asked for that window after such
    /// an entry: 0x60 stayed pending for good in the first two rows (the interrupt-window exit that injects the NMI, soft
    /// NMI blocking without virtual NMIs, consumed the only window request; an inject step never made one).
    /// </summary>
    [Theory]
    [InlineData("    virtual_nmis: false", "nmi", "EXTERNAL_INTERRUPT EXTERNAL_INTERRUPT EXTERNAL_INTERRUPT INTERRUPT_WINDOW PREEMPTION_TIMER INTERRUPT_WINDOW APIC_ACCESS")]
    [InlineData("    virtual_nmis: true", "nmi", "EXTERNAL_INTERRUPT EXTERNAL_INTERRUPT EXTERNAL_INTERRUPT NMI_WINDOW PREEMPTION_TIMER INTERRUPT_WINDOW APIC_ACCESS")]
    [InlineData("    virtual_nmis: true", "sw_int", "PREEMPTION_TIMER INTERRUPT_WINDOW APIC_ACCESS")]
    public void An_emulated_interrupt_pending_behind_an_injected_event_gets_an_immediate_exit_then_the_interrupt_window(
        string vm, string injected, string exits)
    {
        var steps = injected == "nmi"
            ? "  - {vm: {op: enter, vm: g0, vcpu: 0}}\n  - {vm: {op: nmi, vm: g0, vcpu: 0}}\n  - {advance: 1us}\n"
              + "  - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x60}}\n  - {vm: {op: nmi, vm: g0, vcpu: 0}}"
            : "  - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x60}}\n  - {vm: {op: inject, vm: g0, vcpu: 0, type: sw_int, vector: 0x80}}\n"
              + "  - {vm: {op: enter, vm: g0, vcpu: 0}}";
        var r = Sim.Run(string.Join("\n",
            "irqlab: 1",
            "name: emulated-behind-injection",
            "kernel: {version: latest}",
            "machine: {cpus: 2}",
            "vms:",
            "  - name: g0",
            "    vcpus: [{cpu: 1}]",
            "    apicv: false",
            "    posted_interrupts: false",
            vm,
            "    handlers:",
            "      - {vector: 2, do: [{advance: 5us}]}",
            "      - {vector: 0x80, do: [{advance: 5us}]}",
            "      - {vector: 0x60, do: [eoi]}",
            "steps:",
            steps,
            "  - {advance: 20us}"));

        var guest = r.Dispatch.Where(d => d.Vm == "g0").Select(d => $"{d.TimeNs}:{d.Handler}");
        Assert.Equal(injected == "nmi" ? ["0:vector_0x02", "5000:vector_0x02", "10000:vector_0x60"] : ["0:vector_0x80", "5000:vector_0x60"], guest);
        Assert.Equal(exits, string.Join(' ', r.VmExits.Select(x => x.Reason)));
        Assert.Equal(0L, r.Stats.Pending);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// A guest NMI waiting for the NMI window is injected after the IRET of an exception handler nested in the guest's NMI
    /// handler: that IRET already ends virtual-NMI blocking ("IRET removes any virtual-NMI blocking", SDM Vol. 3C 26.3),
    /// and NMI-window exiting, armed by KVM when it could not inject the NMI, exits at the first boundary without it
    /// (SDM 26.7.6), so the second NMI nests in the first handler (the IDT hazard, inside the guest), not after it.
    /// </summary>
    [Theory]
    [InlineData("idt")]
    [InlineData("fred")]
    public void A_guest_nmi_pending_behind_the_nmi_handler_follows_the_iret_of_a_nested_exception_SDM_26_3(string delivery)
    {
        var r = Run($"{{version: \"6.10\", delivery: {delivery}}}",
            "    handlers:\n      - {vector: 2, do: [{advance: 10us}]}\n      - {vector: 13, do: []}",
            "  - {vm: {op: nmi, vm: g0, vcpu: 0}}\n  - {advance: 1us}\n  - {vm: {op: nmi, vm: g0, vcpu: 0}}\n  - {advance: 1us}\n"
            + "  - {exception: {cpu: 1, vector: 13, error_code: 0}}\n  - {advance: 30us}");

        Assert.Equal([(0L, 2, 0), (2000L, 13, 1), (2000L, 2, 1)],
            r.Dispatch.Where(d => d.Vm == "g0").Select(d => (d.TimeNs, d.Vector, d.Depth)).ToArray());
        Assert.Equal([(0L, "EXTERNAL_INTERRUPT"), (1000L, "EXTERNAL_INTERRUPT"), (2000L, "NMI_WINDOW")],
            r.VmExits.Select(x => (x.TimeNs, x.Reason)).ToArray());
        Assert.Empty(r.Faults);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// Two virtual NMIs queued while the vCPU is out, and an entry that injects another event first: KVM injects that
    /// event and asks for an NMI window for the first NMI (kvm_check_and_inject_events). The guest has no gates, so the
    /// entry ends in a TRIPLE_FAULT exit with the window still pending. An inject step's NMI on the next entry is not
    /// a queued one: with an NMI injection in flight process_nmi() keeps one NMI pending (limit lowered to 1), so the
    /// second queued NMI is merged, not lost from the books (found by the VM event fuzzer: raised 62 != 61 accounted).
    /// </summary>
    [Fact]
    public void An_injected_nmi_while_a_queued_nmi_waits_for_its_window_merges_the_second_kvm_process_nmi()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: nmi-behind-window
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers: []
            steps:
              - {vm: {op: inject, vm: g0, vcpu: 0, type: sw_int, vector: 0x3F}}
              - {vm: {op: nmi, vm: g0, vcpu: 0}}
              - {vm: {op: nmi, vm: g0, vcpu: 0}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: inject, vm: g0, vcpu: 0, type: nmi}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {advance: 1us}
            """);

        Assert.Equal(["TRIPLE_FAULT", "TRIPLE_FAULT"], r.VmExits.Select(x => x.Reason).ToArray());
        Assert.Equal((2L, 1L, 1L), (r.Stats.Raised, r.Stats.Coalesced, r.Stats.Pending));
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// "There is no virtual-NMI blocking after VM entry unless the VM entry is injecting an NMI" (SDM Vol. 3C 26.6.1): the
    /// blocking comes with the injection, also when the guest has no NMI gate and the delivery becomes #NP. A second NMI
    /// then waits for the NMI window that the #NP handler's IRET opens instead of nesting in that handler.
    /// </summary>
    [Fact]
    public void An_injected_nmi_whose_guest_gate_is_missing_still_blocks_virtual_nmis_SDM_26_6_1()
    {
        var r = Run("{version: \"6.10\"}",
            "    handlers:\n      - {vector: 11, do: [{advance: 5us}]}",
            "  - {vm: {op: nmi, vm: g0, vcpu: 0}}\n  - {advance: 1us}\n  - {vm: {op: nmi, vm: g0, vcpu: 0}}\n  - {advance: 30us}");

        Assert.Equal([(0L, 11, 0), (5000L, 11, 0)],
            r.Dispatch.Where(d => d.Vm == "g0").Select(d => (d.TimeNs, d.Vector, d.Depth)).ToArray());
        Assert.Equal([(0L, "EXTERNAL_INTERRUPT"), (1000L, "EXTERNAL_INTERRUPT"), (5000L, "NMI_WINDOW")],
            r.VmExits.Select(x => (x.TimeNs, x.Reason)).ToArray());
        Assert.Empty(r.Faults);
    }

    /// <summary>
    /// KVM <c>kvm_inject_nmi()</c> then <c>kvm_vcpu_kick()</c> (virt/kvm/kvm_main.c <c>__kvm_vcpu_kick</c>): a vCPU in
    /// guest mode on another CPU is made to exit by <c>smp_send_reschedule()</c>, so the host CPU takes an
    /// EXTERNAL_INTERRUPT exit for RESCHEDULE_VECTOR and runs its handler (RES +1); the NMI is injected on the re-entry.
    /// </summary>
    [Theory]
    [InlineData("idt")]
    [InlineData("fred")]
    public void A_virtual_NMI_for_a_running_vcpu_kicks_it_out_with_a_reschedule_ipi_kvm_vcpu_kick(string delivery)
    {
        var r = Run($"{{version: \"6.10\", delivery: {delivery}}}",
            "    handlers:\n      - {vector: 2, do: [{advance: 1us}]}",
            "  - {vm: {op: nmi, vm: g0, vcpu: 0}}\n  - {advance: 5us}");

        var exit = Assert.Single(r.VmExits);
        Assert.Equal(("EXTERNAL_INTERRUPT", (int?)0xFD, 1), (exit.Reason, exit.Vector, exit.Cpu));
        Assert.Equal([(1, "sysvec_reschedule_ipi", (string?)null), (1, "vector_0x02", "g0")],
            r.Dispatch.Select(d => (d.Cpu, d.Handler, d.Vm)).ToArray());
        Assert.Equal(1UL, Sim.Count(r, "RES", 1));
        Assert.Empty(r.Faults);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// <c>__apic_accept_irq()</c> APIC_DM_NMI: <c>kvm_inject_nmi()</c> then <c>kvm_vcpu_kick()</c>, and
    /// <c>__kvm_vcpu_kick</c> (virt/kvm/kvm_main.c) sends the reschedule IPI whenever the vCPU is IN_GUEST_MODE, whatever
    /// the guest's NMI blocking: an NMI for a guest inside its NMI handler still costs an EXTERNAL_INTERRUPT exit (RES +1
    /// on the host) before KVM arms the NMI window (process_nmi, enable_nmi_window in arch/x86/kvm/x86.c).
    /// </summary>
    [Theory]
    [InlineData("idt")]
    [InlineData("fred")]
    public void A_virtual_NMI_for_a_guest_inside_its_NMI_handler_still_kicks_the_vcpu_kvm_vcpu_kick(string delivery)
    {
        var r = Run($"{{version: latest, delivery: {delivery}}}",
            "    handlers:\n      - {vector: 2, do: [{advance: 3us}]}",
            "  - {vm: {op: nmi, vm: g0, vcpu: 0}}\n  - {advance: 1us}\n  - {vm: {op: nmi, vm: g0, vcpu: 0}}\n  - {advance: 10us}");

        Assert.Equal([(0L, "EXTERNAL_INTERRUPT", (int?)0xFD), (1000L, "EXTERNAL_INTERRUPT", 0xFD), (3000L, "NMI_WINDOW", null)],
            r.VmExits.Select(x => (x.TimeNs, x.Reason, x.Vector)).ToArray());
        Assert.Equal(2UL, Sim.Count(r, "RES", 1));
        // The guest's first NMI handler resumes after the kick and ends at 3 us; the second NMI follows its IRET.
        Assert.Equal([(0L, 0), (3000L, 0)], r.Dispatch.Where(d => d.Vm == "g0").Select(d => (d.TimeNs, d.Depth)).ToArray());
        Assert.Empty(r.Faults);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// SDM 26.2.1.1: "process posted interrupts" requires "acknowledge interrupt on exit" and "virtual-interrupt delivery";
    /// VMLAUNCH fails, whichever of the two is missing (posted interrupts asked for explicitly are not turned off
    /// silently).
    /// </summary>
    [Theory]
    [InlineData(false, true, VmEntryCheck.PostedInterruptsWithoutAcknowledgeOnExit)]
    [InlineData(true, false, VmEntryCheck.PostedInterruptsWithoutVirtualInterruptDelivery)]
    [InlineData(false, false, VmEntryCheck.PostedInterruptsWithoutVirtualInterruptDelivery)]
    public void Posted_interrupts_without_ack_on_exit_or_apicv_fail_entry(bool ack, bool apicv, VmEntryCheck check)
    {
        var r = Run("{version: \"6.10\"}", $"    ack_interrupt_on_exit: {(ack ? "true" : "false")}\n    posted_interrupts: true\n    apicv: {(apicv ? "true" : "false")}",
            "  - {ipi: {from: 0, to: 1, vector: RESCHEDULE_VECTOR}}");

        AssertEntryFailed(r, check, invalidStateExit: false);
        var d = Assert.Single(r.Dispatch); // never in guest mode: the host takes the IPI itself
        Assert.Equal(("sysvec_reschedule_ipi", (string?)null), (d.Handler, d.Vm));
    }

    /// <summary>
    /// docs/scenario-loader.md: left unsaid, posted_interrupts follows ack_interrupt_on_exit and apicv, so turning either
    /// off alone gives a VM that enters; without posted interrupts a post goes to the emulated APIC and kicks the vCPU with
    /// a reschedule IPI (KVM: no PIN_BASED_POSTED_INTR unless APICv is active, vmx_pin_based_exec_ctrl()).
    /// </summary>
    [Theory]
    [InlineData("    apicv: false")]
    [InlineData("    ack_interrupt_on_exit: false")]
    public void Turning_off_apicv_or_ack_on_exit_alone_turns_off_posted_interrupts(string vm)
    {
        var r = Run("{version: \"6.10\"}", vm + "\n    handlers:\n      - {vector: 0x30, do: [eoi]}",
            "  - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}");

        Assert.Empty(r.Faults);
        Assert.Equal(["sysvec_reschedule_ipi", "vector_0x30"], r.Dispatch.Select(d => d.Handler).ToArray());
    }

    private static void AssertEntryFailed(RunResult r, VmEntryCheck check, bool invalidStateExit)
    {
        Assert.Equal(1, Assert.Single(r.Faults, f => f.Kind == "vmentry_failure").Cpu);
        Assert.Contains(r.Messages, m => m.Text == VmEntryInjection.Describe(check));
        Assert.Equal(invalidStateExit, VmEntryInjection.IsVmFail(check) is false);
        if (invalidStateExit)
        {
            Assert.Equal("INVALID_STATE", r.VmExits[^1].Reason);
        }
        else
        {
            Assert.DoesNotContain(r.VmExits, x => x.Reason == "INVALID_STATE");
        }

        Assert.DoesNotContain(r.Dispatch, d => d.Vm is not null && d.Handler != "vector_0x40");
    }

    // ------------------------------------------------------------------ posted interrupts

    /// <summary>
    /// SDM 30.6 / KVM <c>vmx_deliver_posted_interrupt</c>: posting to a running vCPU sets PIR and ON and sends the
    /// notification vector, which the CPU processes in guest mode (no exit, no host handler, PIN row unchanged); the
    /// virtual interrupt is then delivered to the guest's handler (SDM 30.2.2).
    /// </summary>
    [Fact]
    public void Posted_interrupt_to_a_running_vcpu_needs_no_exit()
    {
        var r = Run("{version: latest}", "    handlers:\n      - {vector: 0x30, do: [eoi]}",
            "  - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}\n  - {advance: 1us}");

        Assert.Empty(r.VmExits);
        var d = Assert.Single(r.Dispatch);
        Assert.Equal((1, "ext_int", 0x30, "vector_0x30", "g0", (int?)0), (d.Cpu, d.Event, d.Vector, d.Handler, d.Vm, d.Vcpu));
        Assert.Equal(0UL, Sim.Count(r, "PIN", 1));
        Assert.Equal(0UL, Sim.Count(r, "PIW", 1));
    }

    /// <summary>
    /// KVM <c>pi_enable_wakeup_handler</c>: a blocked vCPU's descriptor has NV = POSTED_INTR_WAKEUP_VECTOR, so a post
    /// reaches the host (<c>sysvec_kvm_posted_intr_wakeup_ipi</c>, PIW +1); the interrupt is delivered at the next entry
    /// (PIR → VIRR, SDM 30.6). A second post of the same vector before that finds PIR and ON set: no second
    /// notification, one guest handler (PIR coalescing).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Posted_interrupt_to_a_blocked_vcpu_wakes_the_host_and_is_delivered_at_the_next_entry(int posts)
    {
        var postSteps = string.Concat(Enumerable.Repeat("  - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}\n", posts));
        var r = Run("{version: \"6.10\"}", "    handlers:\n      - {vector: 0x30, do: [eoi]}",
            "  - {vm: {op: exit, vm: g0, vcpu: 0}}\n" + postSteps
            + "  - {advance: 1us}\n  - {vm: {op: enter, vm: g0, vcpu: 0}}\n  - {advance: 1us}");

        Assert.Equal("HLT", Assert.Single(r.VmExits).Reason);
        Assert.Equal(1UL, Sim.Count(r, "PIW", 1));
        Assert.Equal(0UL, Sim.Count(r, "PIN", 1));
        Assert.Equal(new[] { ("sysvec_kvm_posted_intr_wakeup_ipi", (string?)null, 0L), ("vector_0x30", "g0", 1000L) },
            r.Dispatch.Select(d => (d.Handler, d.Vm, d.TimeNs)));
        Assert.Equal(posts - 1, r.Stats.Coalesced);
    }

    /// <summary>
    /// Before the first entry the descriptor has SN = 1 (KVM sets SN while the vCPU is not running): a post only sets
    /// PIR, no notification is sent at all (SDM 30.6; kvm vmx_deliver_posted_interrupt → pi_test_and_set_on with SN);
    /// the interrupt is delivered at the first entry, once even when posted twice.
    /// </summary>
    [Fact]
    public void Posted_interrupt_before_the_first_entry_is_suppressed_and_delivered_at_entry()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: suppressed
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers:
                  - {vector: 0x30, do: [eoi]}
            steps:
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {advance: 1us}
              - {read: {cpu: 1, reg: apic.irr, as: irr}}
              - vm: {op: enter, vm: g0, vcpu: 0}
              - {advance: 1us}
            """);

        Assert.Empty(Assert.Single(r.Reads).Value.List!);
        var d = Assert.Single(r.Dispatch);
        Assert.Equal(("vector_0x30", "g0", 1000L), (d.Handler, d.Vm, d.TimeNs));
        Assert.Equal(0UL, Sim.Count(r, "PIN", 1));
        Assert.Equal(0UL, Sim.Count(r, "PIW", 1));
        Assert.Empty(r.VmExits);
        Assert.Equal(1, r.Stats.Coalesced);
    }

    /// <summary>
    /// PIR coalescing while the vCPU runs but the guest has IF=0 (inside its handler): two posts of the same vector
    /// before it is delivered give one guest handler (SDM 30.6: PIR and VIRR are bitmaps).
    /// </summary>
    [Fact]
    public void Two_posts_of_the_same_vector_before_delivery_run_one_guest_handler()
    {
        var r = Run("{version: \"6.10\"}",
            "    handlers:\n      - {vector: 0x30, do: [{advance: 5us}, eoi]}\n      - {vector: 0x31, do: [eoi]}",
            """
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {advance: 1us}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x31}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x31}}
              - {advance: 20us}
            """);

        Assert.Equal(new[] { ("vector_0x30", 0L), ("vector_0x31", 5000L) }, r.Dispatch.Select(d => (d.Handler, d.TimeNs)));
        Assert.Empty(r.VmExits);
        Assert.Equal(1, r.Stats.Coalesced);
        Assert.Equal(0UL, Sim.Count(r, "PIN", 1));
    }

    /// <summary>
    /// The held host NMI of the test above is not starved by an INTERRUPT_WINDOW exit whose re-entry injects the next
    /// guest NMI (KVM's soft NMI blocking without virtual NMIs): that exit ends VMX non-root operation, so the host takes
    /// the NMI in root operation (SDM Vol. 3C 26.6.1) before KVM's run loop re-enters and injects the guest's second NMI.
    /// </summary>
    [Fact]
    public void Host_nmi_held_by_a_guest_nmi_is_taken_at_the_interrupt_window_exit_before_the_next_injection()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: host-nmi-at-interrupt-window
            kernel: {version: latest}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                virtual_nmis: false
                handlers:
                  - {vector: 2, do: [{advance: 2us}]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {vm: {op: nmi, vm: g0, vcpu: 0}}
              - {vm: {op: nmi, vm: g0, vcpu: 0}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {advance: 500ns}
              - {nmi: {cpu: 1}}
              - {advance: 10us}
            """);

        Assert.Equal("HLT@0 INTERRUPT_WINDOW@2000", string.Join(' ', r.VmExits.Select(x => $"{x.Reason}@{x.TimeNs}")));
        Assert.Equal(["vector_0x02@0:g0", "exc_nmi@2000:", "vector_0x02@2000:g0"], r.Dispatch.Select(d => $"{d.Handler}@{d.TimeNs}:{d.Vm}"));
        Assert.Equal(1UL, Sim.Count(r, "NMI", 1));
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// Without virtual NMIs the guest's NMI blocking is KVM's software state (arch/x86/kvm/vmx/vmx.c): vmx_inject_nmi()
    /// sets <c>soft_vnmi_blocked</c>, and __vmx_handle_exit() clears it at the first VM exit at which the guest can take
    /// interrupts (<c>!vmx_interrupt_blocked()</c>: IF = 1, no STI or MOV SS blocking) — KVM cannot see the guest's IRET
    /// ("they have to keep IRQs disabled at least as long as the NMI handler runs. Otherwise we may cause NMI nesting").
    /// A virtual NMI queued while the guest's NMI handler runs is injected: at the kick's re-entry, nested, when the
    /// handler already runs with IF = 1 (the kick's exit ends the soft blocking); after the INTERRUPT_WINDOW exit that
    /// vmx_enable_nmi_window() asks for (the interrupt window without virtual NMIs) once the handler executes STI, nested
    /// too; at its IRET when it keeps IF = 0. With virtual NMIs the NMI waits for the NMI window, at the IRET, whatever
    /// the handler's IF (SDM Vol. 3C 26.7.6). Before, the model held the NMI until the IRET in every case.
    /// </summary>
    [Theory]
    [InlineData(false, "[advance: 3us, sti, advance: 5us]", "EXTERNAL_INTERRUPT@0 EXTERNAL_INTERRUPT@2000 INTERRUPT_WINDOW@3000", "0/0 3000/1")]
    [InlineData(false, "[sti, advance: 5us]", "EXTERNAL_INTERRUPT@0 EXTERNAL_INTERRUPT@2000", "0/0 2000/1")]
    [InlineData(false, "[advance: 5us]", "EXTERNAL_INTERRUPT@0 EXTERNAL_INTERRUPT@2000 INTERRUPT_WINDOW@5000", "0/0 5000/0")]
    [InlineData(true, "[advance: 3us, sti, advance: 5us]", "EXTERNAL_INTERRUPT@0 EXTERNAL_INTERRUPT@2000 NMI_WINDOW@8000", "0/0 8000/0")]
    [InlineData(true, "[sti, advance: 5us]", "EXTERNAL_INTERRUPT@0 EXTERNAL_INTERRUPT@2000 NMI_WINDOW@5000", "0/0 5000/0")]
    public void Virtual_nmi_in_the_guest_nmi_handler_without_virtual_nmis_follows_kvm_soft_nmi_blocking(
        bool virtualNmis, string nmiHandler, string exits, string guestNmis)
    {
        var doList = nmiHandler.Replace("advance: 3us", "{advance: 3us}", StringComparison.Ordinal)
            .Replace("advance: 5us", "{advance: 5us}", StringComparison.Ordinal);
        var r = Sim.Run($$$"""
            irqlab: 1
            name: soft-nmi-blocking
            kernel: {version: latest}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                virtual_nmis: {{{(virtualNmis ? "true" : "false")}}}
                handlers:
                  - {vector: 2, do: {{{doList}}}}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: nmi, vm: g0, vcpu: 0}}
              - {advance: 2us}
              - {vm: {op: nmi, vm: g0, vcpu: 0}}
              - {advance: 20us}
            """);

        Assert.Equal(exits, string.Join(' ', r.VmExits.Select(x => $"{x.Reason}@{x.TimeNs}")));
        Assert.Equal(guestNmis, string.Join(' ', r.Dispatch.Where(d => d.Vm == "g0").Select(d => $"{d.TimeNs}/{d.Depth}")));
        Assert.Equal(0L, r.Stats.Pending);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// KVM's soft NMI blocking (no virtual NMIs) outlives the guest's IRET: <c>soft_vnmi_blocked</c> is cleared only by a
    /// VM exit at which the guest can take interrupts (__vmx_handle_exit, arch/x86/kvm/vmx/vmx.c). Here the guest's NMI
    /// handler returns at 2 us with no exit after the injection, then a posted interrupt's handler runs with IF = 0; a
    /// virtual NMI queued at 4 us finds the vCPU still soft-blocked at the kick's exit (IF = 0), so KVM opens the interrupt
    /// window (vmx_enable_nmi_window) and injects the NMI at the handler's IRET. A host interrupt's exit at 3 us, while the
    /// guest is interruptible, ends the blocking, and the NMI is injected at the kick's re-entry, nested in the handler. With
    /// virtual NMIs the IRET at 2 us ends virtual-NMI blocking (SDM Vol. 3C 26.3): nested at 4 us either way.
    /// </summary>
    [Theory]
    [InlineData(false, false, "EXTERNAL_INTERRUPT@0 EXTERNAL_INTERRUPT@4000 INTERRUPT_WINDOW@8000", "0:vector_0x02/0 3000:vector_0x30/0 8000:vector_0x02/0")]
    [InlineData(false, true, "EXTERNAL_INTERRUPT@0 EXTERNAL_INTERRUPT@2500 EXTERNAL_INTERRUPT@4000", "0:vector_0x02/0 3000:vector_0x30/0 4000:vector_0x02/1")]
    [InlineData(true, false, "EXTERNAL_INTERRUPT@0 EXTERNAL_INTERRUPT@4000", "0:vector_0x02/0 3000:vector_0x30/0 4000:vector_0x02/1")]
    public void Soft_nmi_blocking_without_virtual_nmis_ends_at_an_interruptible_vm_exit_not_at_the_guest_iret(
        bool virtualNmis, bool hostInterruptAt2500, string exits, string guest)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: soft-nmi-blocking-after-iret
            kernel: {version: latest}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                virtual_nmis: {{{(virtualNmis ? "true" : "false")}}}
                handlers:
                  - {vector: 2, do: [{advance: 2us}]}
                  - {vector: 0x30, do: [{advance: 5us}, eoi]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: nmi, vm: g0, vcpu: 0}}
              - {advance: 2500ns}
              - {{{(hostInterruptAt2500 ? "ipi: {from: 0, to: 1, vector: CALL_FUNCTION_SINGLE_VECTOR}" : "advance: 0ns")}}}
              - {advance: 500ns}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {advance: 1us}
              - {vm: {op: nmi, vm: g0, vcpu: 0}}
              - {advance: 20us}
            """);

        Assert.Equal(exits, string.Join(' ', r.VmExits.Select(x => $"{x.Reason}@{x.TimeNs}")));
        Assert.Equal(guest, string.Join(' ', r.Dispatch.Where(d => d.Vm == "g0").Select(d => $"{d.TimeNs}:{d.Handler}/{d.Depth}")));
        Assert.Equal(0L, r.Stats.Pending);
        Assert.Null(Sim.Unconserved(r));
    }

    private static IEnumerable<string> Rows(RunResult r) =>
        r.InterruptRows.Select(x => x.Row + ":" + string.Join(",", x.Counts));
    /// <summary>
    /// SDM Vol. 3C 26.6.1: with "virtual NMIs" 0 and "NMI exiting" 1, the blocking by NMI that an injected NMI sets
    /// (26.5.1.1) blocks the host's NMIs "as long as the logical processor is in VMX non-root operation", and the guest's
    /// IRET does not end it (26.3: with NMI exiting, "IRET does not affect blocking of NMIs"). A host NMI during the guest's
    /// NMI handler, and after its IRET, therefore causes no EXCEPTION_NMI exit: it waits for the next VM exit (here a
    /// reschedule IPI's) and the host takes it then. With virtual NMIs the bit is virtual-NMI blocking only and the host NMI
    /// exits at once; a host NMI after the VM exit and re-entry exits either way. Before, the host NMI exited at once in
    /// both cases.
    /// </summary>
    [Theory]
    [InlineData(false, "EXTERNAL_INTERRUPT@0 EXTERNAL_INTERRUPT@3500 EXCEPTION_NMI@4500", "3500 4500")]
    [InlineData(true, "EXTERNAL_INTERRUPT@0 EXCEPTION_NMI@500 EXTERNAL_INTERRUPT@3500 EXCEPTION_NMI@4500", "500 4500")]
    public void Host_nmi_during_an_injected_guest_nmi_waits_for_the_vm_exit_without_virtual_nmis(bool virtualNmis, string exits, string hostNmis)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: host-nmi-blocked-in-guest
            kernel: {version: latest}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                virtual_nmis: {{{(virtualNmis ? "true" : "false")}}}
                handlers:
                  - {vector: 2, do: [{advance: 2us}]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: nmi, vm: g0, vcpu: 0}}
              - {advance: 500ns}
              - {nmi: {cpu: 1}}
              - {advance: 3us}
              - {ipi: {from: 0, to: 1, vector: RESCHEDULE_VECTOR}}
              - {advance: 1us}
              - {nmi: {cpu: 1}}
              - {advance: 1us}
            """);

        Assert.Equal(exits, string.Join(' ', r.VmExits.Select(x => $"{x.Reason}@{x.TimeNs}")));
        Assert.Equal(hostNmis, string.Join(' ', r.Dispatch.Where(d => d.Handler == "exc_nmi").Select(d => d.TimeNs)));
        Assert.Equal(["0"], r.Dispatch.Where(d => d.Vm == "g0").Select(d => d.TimeNs.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(2UL, Sim.Count(r, "NMI", 1));
        Assert.Null(Sim.Unconserved(r));
    }
}
