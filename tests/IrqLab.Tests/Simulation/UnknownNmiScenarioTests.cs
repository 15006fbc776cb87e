using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Linux mode: an NMI that no NMI_LOCAL handler claims is an unknown NMI (<c>default_do_nmi()</c> →
/// <c>unknown_nmi_error()</c>, arch/x86/kernel/nmi.c), logged with the reason byte read from port 0x61
/// (<c>default_get_nmi_reason()</c>), which the model's chipset reports without SERR# or IOCHK# (docs/kernel.md).
/// </summary>
public sealed class UnknownNmiScenarioTests
{
    private const string Dazed = "Dazed and confused, but trying to continue";

    /// <summary>Every way a scenario sends an NMI reaches the same exc_nmi() → default_do_nmi() on the receiving CPU.</summary>
    [Theory]
    [InlineData("idt", "{nmi: {cpu: 1}}")]
    [InlineData("fred", "{nmi: {cpu: 1}}")]
    [InlineData("idt", "{ipi: {from: 0, to: 1, mode: nmi}}")]
    [InlineData("fred", "{ipi: {from: 0, to: 1, mode: nmi}}")]
    [InlineData("idt", "{exception: {cpu: 1, vector: 2}}")]
    public void An_unclaimed_nmi_logs_the_unknown_nmi_lines_on_its_cpu_nmi_c(string delivery, string step)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: unknown-nmi
            kernel: {version: latest, delivery: {{{delivery}}}}
            machine: {cpus: 2}
            steps:
              - {{{step}}}
              - {advance: 1us}
            """);

        Assert.Equal(
            [(1, "emerg", "Uhhuh. NMI received for unknown reason 00 on CPU 1."), (1, "emerg", Dazed)],
            r.Messages.Select(m => (m.Cpu, m.Level, m.Text)));
        Assert.Equal(1UL, Sim.Count(r, "NMI", 1));
    }

    /// <summary>Bare mode has no kernel: the NMI runs the scenario's handler and nothing is logged.</summary>
    [Fact]
    public void Bare_mode_logs_nothing_for_an_nmi()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: bare-nmi
            kernel: {mode: bare}
            machine: {cpus: 1}
            handlers: [{vector: 2, do: []}]
            steps: [{nmi: {cpu: 0}}, {advance: 1us}]
            """);

        Assert.Equal(["vector_0x02"], r.Dispatch.Select(d => d.Handler));
        Assert.Empty(r.Messages);
    }

    /// <summary>
    /// The NMI watchdog's own NMIs are claimed by perf_event_nmi_handler() (a counter overflowed: PMI), so the ticks at
    /// 10 s and 20 s log nothing; a step's NMI finds no overflow and is unknown even with the watchdog on.
    /// </summary>
    [Fact]
    public void Watchdog_nmis_are_claimed_by_the_perf_handler_a_step_nmi_is_not_arch_x86_events_core_c()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: wd-unknown
            machine: {cpus: 1, nmi_watchdog: true}
            steps:
              - {advance: 15s}
              - {nmi: {cpu: 0}}
              - {advance: 10s}
            """);

        Assert.Equal(3UL, Sim.Count(r, "NMI", 0));
        Assert.Equal(2UL, Sim.Count(r, "PMI", 0));
        Assert.Equal(
            [(15_000_000_000L, "Uhhuh. NMI received for unknown reason 00 on CPU 0."), (15_000_000_000L, Dazed)],
            r.Messages.Select(m => (m.TimeNs, m.Text)));
    }

    /// <summary>
    /// Port 0x61 (NMI status and control): bits 3:0 read back as written, the status bits 7:4 ignore writes and read 0
    /// here (no SERR#/IOCHK# source, no 8254); the next unknown NMI prints what the port reads.
    /// </summary>
    [Fact]
    public void The_reason_is_what_port_0x61_reads_default_get_nmi_reason()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: port61
            machine: {cpus: 1}
            steps:
              - {read: {port: 0x61, as: reset}}
              - {write: {port: 0x61, value: 0xFF}}
              - {read: {port: 0x61, as: written}}
              - {nmi: {cpu: 0}}
              - {advance: 1us}
            """);

        Assert.Equal(0UL, Sim.Read(r, "reset").Scalar);
        Assert.Equal(0x0FUL, Sim.Read(r, "written").Scalar);
        Assert.Equal("Uhhuh. NMI received for unknown reason 0f on CPU 0.", r.Messages[0].Text);
    }

    /// <summary>
    /// An NMI that arrives while a guest runs exits with EXCEPTION_NMI, and KVM runs the host's exc_nmi() for it
    /// (vmx_handle_nmi()): the host's default_do_nmi() reports it as unknown on that CPU.
    /// </summary>
    [Fact]
    public void An_nmi_taken_through_a_vm_exit_is_reported_by_the_host_vmx_handle_nmi()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: vm-nmi
            kernel: {version: latest, delivery: fred}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                virtual_nmis: true
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {nmi: {cpu: 1}}
              - {advance: 1us}
            """);

        Assert.Equal(["EXCEPTION_NMI"], r.VmExits.Select(x => x.Reason));
        Assert.Equal(
            [(1, "Uhhuh. NMI received for unknown reason 00 on CPU 1."), (1, Dazed)],
            r.Messages.Select(m => (m.Cpu, m.Text)));
    }
}
