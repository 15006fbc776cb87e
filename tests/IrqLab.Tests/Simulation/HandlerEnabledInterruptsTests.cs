using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A device handler that returns with interrupts enabled: <c>__handle_irq_event_percpu()</c> (kernel/irq/handle.c, 6.1 to
/// the newest tree) checks every action's return with
/// <c>WARN_ONCE(!irqs_disabled(), "irq %u handler %pS enabled interrupts\n", irq, action->handler)</c> and then does
/// <c>local_irq_disable()</c>. In a scenario the handler enables interrupts when an <c>sti</c> step runs while it runs.
/// </summary>
public sealed class HandlerEnabledInterruptsTests
{
    private static string[] Warnings(IrqLab.Simulation.Output.RunResult r) =>
        [.. r.Messages.Where(m => m.Level == "warning").Select(m => m.Text)];

    /// <summary>
    /// The WARN's message (the action's handler as %pS, offset 0), then the WARNING line, at the handler's return; an
    /// interrupt taken meanwhile nests (depth 1), as the handler let it. Under IDT and FRED alike (the same C code).
    /// </summary>
    [Theory]
    [InlineData("idt")]
    [InlineData("fred")]
    public void A_handler_that_enables_interrupts_warns_once_at_its_return_kernel_irq_handle_c(string delivery)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: on
            kernel: {delivery: {{{delivery}}}}
            machine: {cpus: 1}
            devices:
              - {name: slow0, line: {ioapic: 0, pin: 5}, handler: {returns: handled, cost: 10us}}
            steps:
              - {pulse: slow0}
              - {advance: 2us}
              - {sti: {cpu: 0}}
              - {ipi: {from: 0, to: self, vector: CALL_FUNCTION_VECTOR}}
              - {advance: 30us}
            """);
        Assert.Equal([("common_interrupt", 0), ("sysvec_call_function", 1)], r.Dispatch.Select(d => (d.Handler, d.Depth)));
        var w = Warnings(r);
        Assert.Equal(2, w.Length);
        Assert.Matches(@"^irq 5 handler slow0_interrupt\+0x0/0x[0-9a-f]+ enabled interrupts$", w[0]);
        Assert.StartsWith("WARNING: CPU: 0 PID: 0 at kernel/irq/handle.c __handle_irq_event_percpu+", w[1], StringComparison.Ordinal);
        Assert.All(r.Messages.Where(m => m.Level == "warning"), m => Assert.Equal(10_000, m.TimeNs));
    }

    /// <summary>
    /// Which action is named, and whether anything is: the check is on IF at the action's return, so an sti undone by a
    /// cli before then warns nothing; on a shared line the action that was running when IF was set is the one named.
    /// Actions a and b run 5 us each from t=0; the steps run at t=2 us or 7 us.
    /// </summary>
    [Theory]
    [InlineData("[{advance: 2us}, {sti: {cpu: 0}}]", "a_interrupt")]
    [InlineData("[{advance: 7us}, {sti: {cpu: 0}}]", "b_interrupt")]
    [InlineData("[{advance: 2us}, {sti: {cpu: 0}}, {advance: 1us}, {cli: {cpu: 0}}]", null)]
    [InlineData("[{advance: 2us}, {cli: {cpu: 0}}]", null)]
    public void The_action_running_when_interrupts_were_enabled_is_named_handle_c(string steps, string? named)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: shared
            machine: {cpus: 1}
            devices:
              - {name: a, line: {ioapic: 0, pin: 16, trigger: level, polarity: low}, shared: true, handler: {returns: none, cost: 5us}}
              - {name: b, line: {ioapic: 0, pin: 16, trigger: level, polarity: low}, shared: true, handler: {returns: handled, cost: 5us}}
            steps: [{raise: b}, {{{steps.Trim('[', ']')}}}, {advance: 20us}]
            """);
        var w = Warnings(r);
        if (named is null)
        {
            Assert.Empty(w);
            return;
        }

        Assert.Equal(2, w.Length);
        Assert.StartsWith($"irq 16 handler {named}+0x0/0x", w[0], StringComparison.Ordinal);
    }

    /// <summary>WARN_ONCE: a second handler that enables interrupts (another irq, too) prints nothing more.</summary>
    [Fact]
    public void The_warning_is_printed_once_per_boot_warn_once()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: once
            machine: {cpus: 1}
            devices:
              - {name: d1, line: {ioapic: 0, pin: 3}, handler: {returns: handled, cost: 10us}}
              - {name: d2, line: {ioapic: 0, pin: 4}, handler: {returns: handled, cost: 10us}}
            steps:
              - {pulse: d1}
              - {advance: 2us}
              - {sti: {cpu: 0}}
              - {advance: 20us}
              - {pulse: d2}
              - {advance: 2us}
              - {sti: {cpu: 0}}
              - {advance: 20us}
            """);
        var w = Warnings(r);
        Assert.Equal(2, w.Length);
        Assert.StartsWith("irq 3 handler d1_interrupt+0x0/0x", w[0], StringComparison.Ordinal);
    }

    /// <summary>
    /// The check belongs to device actions only: a system-vector handler, or an sti step while no handler runs, warns
    /// nothing (the timer handler here spends no time, so the step lands between handlers).
    /// </summary>
    [Fact]
    public void Sti_outside_a_device_handler_warns_nothing()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: none
            machine: {cpus: 1}
            workload: [{timer: {hz: 1000}}]
            steps:
              - {cli: {cpu: 0}}
              - {advance: 1500us}
              - {sti: {cpu: 0}}
            run: {until: 2500us}
            """);
        Assert.Equal(2, r.Dispatch.Count(d => d.Handler == "sysvec_apic_timer_interrupt"));
        Assert.Empty(Warnings(r));
    }
}
