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

    private sealed class Recorder : ITraceSink
    {
        public List<TraceEvent> Events { get; } = [];

        public void Write(in TraceEvent traceEvent) => Events.Add(traceEvent);

        public void Complete(long endNs)
        {
        }
    }
}
