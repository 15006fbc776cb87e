using IrqLab.Scenarios;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;
using IrqLab.Tracing;
using Xunit;

namespace IrqLab.Tests.Tracing;

/// <summary>
/// What the engine hands its trace sinks, checked through both writers against the kernel's tracepoints:
/// <c>__handle_irq_event_percpu()</c> (kernel/irq/handle.c) traces <c>irq_handler_entry</c> before and
/// <c>irq_handler_exit</c> after each action (shared/reference/trace-formats.md §3.2).
/// </summary>
public sealed class EngineTraceTests
{
    private static (RunResult Result, List<TraceEvent> Events) Run(string yaml)
    {
        var recorder = new Recorder();
        var result = Simulator.Run(ScenarioLoader.Parse(yaml, "trace.yaml"), new SimulationOptions { Sinks = [recorder] });
        return (result, recorder.Events);
    }

    private static string[] Ftrace(string yaml, int cpus)
    {
        var text = new StringWriter();
        var writer = new FtraceWriter(text, cpus);
        Simulator.Run(ScenarioLoader.Parse(yaml, "trace.yaml"), new SimulationOptions { Sinks = [writer] });
        return text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToArray();
    }

    private static ChromeTraceCheck Chrome(string yaml, int cpus)
    {
        using var stream = new MemoryStream();
        using (var writer = new ChromeTraceWriter(stream, cpus, "trace"))
        {
            Simulator.Run(ScenarioLoader.Parse(yaml, "trace.yaml"), new SimulationOptions { Sinks = [writer] });
        }

        return new ChromeTraceCheck(stream.ToArray());
    }

    private static string VmExitScenario(string reinject) => $$$"""
        irqlab: 1
        name: reinject
        kernel: {version: "6.10", delivery: idt}
        machine: {cpus: 2}
        devices:
          - name: eth0
            msix: {vectors: 1, affinity: [1]}
            handler: {returns: handled, cost: 2us}
        vms:
          - name: g0
            vcpus: [{cpu: 1}]
            ack_interrupt_on_exit: true
            reinject: {{{reinject}}}
        steps:
          - {vm: {op: enter, vm: g0, vcpu: 0}}
          - {raise: eth0}
          - {advance: 10us}
          - {raise: eth0}
          - {advance: 10us}
        """;

    [Theory]
    [InlineData("software")]
    [InlineData("idt")]
    public void Device_irq_handled_in_the_host_after_a_vm_exit_traces_its_action_linux_dispatch_6_2(string reinject)
    {
        // linux-dispatch.md §6.2: the re-injected irq runs common_interrupt and is counted like a host interrupt, so
        // __handle_irq_event_percpu() traces irq_handler_entry/exit for it too.
        var yaml = VmExitScenario(reinject);
        var (result, events) = Run(yaml);
        var exits = result.VmExits.Count(x => x.Reason == "EXTERNAL_INTERRUPT");
        Assert.Equal(2, exits);
        var irq = result.Dispatch.First(d => d.Handler == "common_interrupt").Irq!.Value;
        Assert.Equal(2UL, result.InterruptRows.Single(r => r.Row == irq.ToString(System.Globalization.CultureInfo.InvariantCulture)).Counts[1]);

        Assert.Equal(2, events.Count(e => e.Kind == TraceEventKind.HandlerEntry && e.Name == "eth0" && e.Irq == irq && e.Cpu == 1));
        Assert.Equal(2, Ftrace(yaml, 2).Count(l => l.Contains($"[001] d.h..", StringComparison.Ordinal) && l.EndsWith($"irq_handler_entry: irq={irq} name=eth0", StringComparison.Ordinal)));
        Assert.Equal(2, Ftrace(yaml, 2).Count(l => l.EndsWith($"irq_handler_exit: irq={irq} ret=handled", StringComparison.Ordinal)));
        Assert.Equal(2, Chrome(yaml, 2).SlicesOn(1).Count(s => s.Name == "eth0"));
    }

    private static string SharedLineScenario(string afterPulse) => $$"""
        irqlab: 1
        name: shared
        machine: {cpus: 1}
        devices:
          - name: i801_smbus
            line: {ioapic: 0, pin: 18, trigger: level, polarity: low}
            shared: true
            handler: {returns: handled, cost: 1500ns}
          - name: ehci_hcd
            line: {ioapic: 0, pin: 18, trigger: level, polarity: low}
            shared: true
            handler: {returns: none, cost: 500ns}
        steps:
          - {advance: 2500ns}
          - {pulse: i801_smbus}
        {{afterPulse}}
          - {advance: 10us}
        """;

    [Fact]
    public void Each_action_of_a_shared_line_returns_after_its_own_cost_back_to_back_irq_h()
    {
        // irq_handler_exit marks the return of the action (trace-formats.md §3.2): the actions run one after the other
        // inside common_interrupt, i801_smbus for 1500 ns, then ehci_hcd for 500 ns. ns2usecs rounds to nearest µs.
        var yaml = SharedLineScenario("");
        Assert.Equal(
            [
                "          <idle>-0       [000] d.h..     0.000003: irq_handler_entry: irq=18 name=i801_smbus",
                "          <idle>-0       [000] d.h..     0.000004: irq_handler_exit: irq=18 ret=handled",
                "          <idle>-0       [000] d.h..     0.000004: irq_handler_entry: irq=18 name=ehci_hcd",
                "          <idle>-0       [000] d.h..     0.000005: irq_handler_exit: irq=18 ret=unhandled",
            ],
            Ftrace(yaml, 1));

        var slices = Chrome(yaml, 1).SlicesOn(0);
        Assert.Equal(
            [("common_interrupt", 2.5, 4.5, 0), ("i801_smbus", 2.5, 4.0, 1), ("ehci_hcd", 4.0, 4.5, 1)],
            slices);

        var (_, events) = Run(yaml);
        var times = events.Where(e => e.Cpu == 0 && e.Kind is TraceEventKind.HandlerEntry or TraceEventKind.HandlerExit).Select(e => e.TimeNs);
        Assert.Equal([2500L, 2500, 4000, 4000, 4500, 4500], times);
    }

    [Fact]
    public void Action_preempted_by_an_nmi_nests_the_nmi_and_still_returns_after_its_cost_trace_formats_1_3()
    {
        // B/E must nest per thread (trace-formats.md §1.3): the NMI at 3.5 µs is a slice inside i801_smbus, which
        // still returns at 4.0 µs (the NMI handler spends no time).
        var yaml = SharedLineScenario("  - {advance: 1us}\n  - {nmi: {cpu: 0}}");
        var slices = Chrome(yaml, 1).SlicesOn(0);
        Assert.Equal(
            [("common_interrupt", 2.5, 4.5, 0), ("i801_smbus", 2.5, 4.0, 1), ("exc_nmi", 3.5, 3.5, 2), ("ehci_hcd", 4.0, 4.5, 1)],
            slices);
    }

    [Fact]
    public void Nmi_at_the_boundary_between_actions_comes_after_the_first_action_returns_trace_formats_3_1()
    {
        // Lines are time-ordered and the first action has returned by 4.0 µs: its exit precedes the NMI's slice.
        var yaml = SharedLineScenario("  - {advance: 1500ns}\n  - {nmi: {cpu: 0}}");
        var slices = Chrome(yaml, 1).SlicesOn(0);
        Assert.Equal(
            [("common_interrupt", 2.5, 4.5, 0), ("i801_smbus", 2.5, 4.0, 1), ("ehci_hcd", 4.0, 4.5, 1), ("exc_nmi", 4.0, 4.0, 2)],
            slices);
    }

    [Fact]
    public void Tracing_does_not_change_the_run_stats_events_included()
    {
        // The action boundaries are queued for the sinks only: the run's result is that of the untraced run.
        var yaml = SharedLineScenario("  - {advance: 1us}\n  - {nmi: {cpu: 0}}");
        var untraced = Simulator.Run(ScenarioLoader.Parse(yaml, "trace.yaml"));
        var (traced, _) = Run(yaml);
        Assert.Equal(untraced.Stats.Events, traced.Stats.Events);
        Assert.Equal(untraced.Stats.Handlers, traced.Stats.Handlers);
        Assert.Equal(untraced.TimeNs, traced.TimeNs);
        Assert.Equal(untraced.Dispatch.Select(d => (d.TimeNs, d.Handler, d.Depth)), traced.Dispatch.Select(d => (d.TimeNs, d.Handler, d.Depth)));
    }

    [Theory]
    [InlineData("idt")]
    [InlineData("fred")]
    public void Unused_system_vector_traces_spurious_apic_with_its_own_vector_irq_vectors_h(string delivery)
    {
        // trace-formats.md §3.3 lists spurious_apic; handle_spurious_interrupt(vector) (apic.c) brackets its work with
        // trace_spurious_apic_entry/exit(vector), reached from spurious_interrupt (IDT stub; fred_handle_spurious_interrupt)
        // with the interrupt's vector and from sysvec_spurious_apic_interrupt with 0xff.
        var yaml = $$$"""
            irqlab: 1
            name: spurious
            kernel: {version: "6.10", delivery: {{{delivery}}}}
            machine: {cpus: 2}
            steps:
              - {ipi: {from: 0, to: 1, vector: 0xef}}
              - {advance: 1us}
              - {ipi: {from: 0, to: 1, vector: 0xed}}
              - {advance: 1us}
              - {ipi: {from: 0, to: 1, vector: 0xff}}
              - {advance: 1us}
            """;
        var (result, _) = Run(yaml);
        Assert.Equal(["spurious_interrupt", "spurious_interrupt", "sysvec_spurious_apic_interrupt"], result.Dispatch.Select(d => d.Handler));
        Assert.Equal(
            [
                "          <idle>-0       [001] d.h..     0.000000: spurious_apic_entry: vector=239",
                "          <idle>-0       [001] d.h..     0.000000: spurious_apic_exit: vector=239",
                "          <idle>-0       [001] d.h..     0.000001: spurious_apic_entry: vector=237",
                "          <idle>-0       [001] d.h..     0.000001: spurious_apic_exit: vector=237",
                "          <idle>-0       [001] d.h..     0.000002: spurious_apic_entry: vector=255",
                "          <idle>-0       [001] d.h..     0.000002: spurious_apic_exit: vector=255",
            ],
            Ftrace(yaml, 2));
    }

    [Theory]
    [InlineData("triple-fault.yaml")]
    [InlineData("rfc-2022-cfi-trap.yaml")]
    public void Every_fault_of_the_run_is_an_instant_on_its_cpu_track_scenarios_10_11(string name)
    {
        // SCENARIOS.md §11: the Chrome trace is "of the run", and §10's faults are part of the run.
        var scenario = ScenarioLoader.Load(RepoPaths.Scenario(name));
        using var stream = new MemoryStream();
        RunResult result;
        using (var writer = new ChromeTraceWriter(stream, scenario.Machine.Cpus, scenario.Name))
        {
            result = Simulator.Run(scenario, new SimulationOptions { Sinks = [writer] });
        }

        Assert.NotEmpty(result.Faults);
        var instants = new ChromeTraceCheck(stream.ToArray()).WithPhase("i")
            .Where(e => e.GetProperty("cat").GetString() == "fault")
            .Select(e => (e.GetProperty("name").GetString(), e.GetProperty("tid").GetInt32(), e.GetProperty("ts").GetDecimal(), e.GetProperty("s").GetString()));
        Assert.Equal(result.Faults.Select(f => ((string?)f.Kind, f.Cpu, f.TimeNs / 1000m, (string?)"t")), instants);
    }

    [Theory]
    [InlineData("vm-exit-reinjection.yaml")]
    [InlineData("posted-interrupts.yaml")]
    [InlineData("default.yaml")]
    public void Each_VM_exit_of_the_run_is_one_VM_exit_instant_with_its_reason_SCENARIOS_10_11(string name)
    {
        // docs/cli.md (trace): instant events for VM exits; SCENARIOS.md §10 vmexits lists each exit once with its
        // EXIT_REASON name, and the trace has one instant per exit (none with the reason "leave" for it).
        var scenario = ScenarioLoader.Load(RepoPaths.Scenario(name));
        using var stream = new MemoryStream();
        RunResult result;
        using (var writer = new ChromeTraceWriter(stream, scenario.Machine.Cpus, scenario.Name))
        {
            result = Simulator.Run(scenario, new SimulationOptions { Sinks = [writer], LogLimit = 0 });
        }

        Assert.NotEmpty(result.VmExits);
        var exits = new ChromeTraceCheck(stream.ToArray()).WithPhase("i")
            .Where(e => e.GetProperty("name").GetString() == "VM exit")
            .Select(e => (e.GetProperty("args").GetProperty("reason").GetString(), e.GetProperty("ts").GetDecimal()))
            .ToList();
        Assert.Equal(result.VmExits.Select(x => ((string?)x.Reason, x.TimeNs / 1000m)), exits);
    }

    /// <summary>
    /// The kernel's EOI and log lines happen inside the handler that the entry starts (handle_edge_irq() acks through
    /// apic_ack_irq(), common_interrupt() prints "No irq handler", unknown_nmi_error() its lines), so at the entry's
    /// timestamp the trace opens the handler's slice first and puts those instants after it, on the host path and after
    /// a VM exit alike; written before, Perfetto drew them outside the slice.
    /// </summary>
    [Theory]
    [InlineData("{raise: eth0}", TraceEventKind.Eoi)]
    [InlineData("{ipi: {from: 0, to: 1, vector: 0x50}}", TraceEventKind.Message)]
    [InlineData("{nmi: {cpu: 1}}", TraceEventKind.Message)]
    [InlineData("{vm: {op: enter, vm: g0, vcpu: 0}}\n  - {raise: eth0}", TraceEventKind.Eoi)]
    [InlineData("{vm: {op: enter, vm: g0, vcpu: 0}}\n  - {nmi: {cpu: 1}}", TraceEventKind.Message)]
    public void The_kernels_eoi_and_log_lines_follow_the_handler_entry_they_belong_to(string steps, TraceEventKind kind)
    {
        var (_, events) = Run($$$"""
            irqlab: 1
            name: inside
            kernel: {version: latest, delivery: fred}
            machine: {cpus: 2}
            devices:
              - name: eth0
                msix: {vectors: 1, affinity: [1]}
                handler: {returns: handled, cost: 1us}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
            steps:
              - {{{steps}}}
              - {advance: 5us}
            """);

        var first = events.FindIndex(e => e.Kind == kind && e.Cpu == 1);
        Assert.True(first > 0, "no such trace event");
        var entry = events.FindLastIndex(first, e => e.Kind == TraceEventKind.HandlerEntry && e.Cpu == 1);
        Assert.True(entry >= 0, "the instant comes before any handler entry on its CPU");
        Assert.Equal(events[first].TimeNs, events[entry].TimeNs);
        Assert.DoesNotContain(events.Skip(entry + 1).Take(first - entry), e => e.Kind == TraceEventKind.HandlerExit && e.Cpu == 1);
    }

    private sealed class Recorder : ITraceSink
    {
        public List<TraceEvent> Events { get; } = [];

        public void Write(in TraceEvent traceEvent) => Events.Add(traceEvent);

        public void Complete(long endNs)
        {
        }
    }
}
