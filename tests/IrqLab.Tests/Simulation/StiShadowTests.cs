using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The STI shadow inside handlers (the STI entry of SDM Vol. 2B; Vol. 3A §6.8.3 is MOV SS's): STI executed with IF = 0 holds off
/// maskable interrupts until the next instruction has retired. A handler's <c>sti</c> action is that STI, and its next
/// action is the instruction in the shadow; the pending interrupt is taken only at the boundary after it.
/// </summary>
public sealed class StiShadowTests
{
    public static TheoryData<string> Deliveries => new() { "idt", "fred" };

    /// <summary>A bare CPU 0 whose 0x41 handler runs <paramref name="actions"/>; 0x51 records the ISR it sees and EOIs.</summary>
    private static IrqLab.Simulation.Output.RunResult Run(string delivery, string actions) => Sim.Run($$$"""
        irqlab: 1
        name: sti-shadow
        kernel: {mode: bare, delivery: {{{delivery}}}}
        machine: {cpus: 1}
        handlers:
          - vector: 0x41
            do: {{{actions}}}
          - vector: 0x51
            do: [{read: {cpu: 0, reg: apic.isr, as: isr_in_0x51}}, eoi]
        steps:
          - {ipi: {from: 0, to: self, vector: 0x41}}
          - {advance: 5us}
        """);

    private static (int Vector, int Depth)[] Entries(IrqLab.Simulation.Output.RunResult r) =>
        r.Dispatch.Select(d => (d.Vector, d.Depth)).ToArray();

    private static string IsrIn0x51(IrqLab.Simulation.Output.RunResult r) => Sim.Read(r, "isr_in_0x51").ToString();

    [Theory]
    [MemberData(nameof(Deliveries))]
    public void Sti_then_cli_takes_nothing_the_cli_runs_in_the_shadow_SDM_Vol2B_STI(string delivery)
    {
        var r = Run(delivery, "[{ipi: {to: self, vector: 0x51}}, sti, cli, {advance: 1us}, eoi]");

        // 0x51 waits for the IRET/ERETS of 0x41 (which restores IF = 1) and runs at depth 0, after 0x41.
        Assert.Equal([(65, 0), (81, 0)], Entries(r));
        Assert.Equal("[81]", IsrIn0x51(r));
    }

    [Theory]
    [MemberData(nameof(Deliveries))]
    public void The_instruction_after_sti_runs_before_the_pending_interrupt_SDM_Vol2B_STI(string delivery)
    {
        var r = Run(delivery, "[{ipi: {to: self, vector: 0x51}}, sti, eoi, {advance: 1us}]");

        // The EOI in the shadow retired 0x41's in-service bit; then 0x51 nests inside 0x41's handler.
        Assert.Equal([(65, 0), (81, 1)], Entries(r));
        Assert.Equal("[81]", IsrIn0x51(r));
    }

    [Theory]
    [MemberData(nameof(Deliveries))]
    public void A_pending_interrupt_is_taken_when_the_shadow_ends_at_the_start_of_an_advance_SDM_Vol2B_STI(string delivery)
    {
        // 0x51 waits (IF = 0) through the first advance; STI at 1 us; the next advance's first instruction retires in the
        // shadow and ends it, so 0x51 preempts that advance at 1 us rather than waiting until 2 us.
        var r = Run(delivery, "[{ipi: {to: self, vector: 0x51}}, {advance: 1us}, sti, {advance: 1us}, eoi]");

        Assert.Equal([(0L, 65, 0), (1000L, 81, 1)], r.Dispatch.Select(d => (d.TimeNs, d.Vector, d.Depth)).ToArray());
    }

    [Theory]
    [MemberData(nameof(Deliveries))]
    public void Sti_with_if_already_set_opens_no_shadow_SDM_STI(string delivery)
    {
        // The second STI finds IF = 1: no shadow, so the pending 0x51 is taken right after it, before the EOI.
        var r = Run(delivery, "[sti, {advance: 10ns}, {ipi: {to: self, vector: 0x51}}, sti, eoi, {advance: 1us}]");

        Assert.Equal([(65, 0), (81, 1)], Entries(r));
        Assert.Equal("[65, 81]", IsrIn0x51(r));
    }

    [Fact]
    public void A_guest_handlers_sti_then_cli_takes_no_virtual_interrupt_SDM_Vol2B_STI()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: guest-sti-cli
            kernel: {version: latest}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                posted_interrupts: true
                apicv: true
                handlers:
                  - {vector: 0x30, do: [{ipi: {to: self, vector: 0x41}}, sti, cli, {advance: 1us}, eoi]}
                  - {vector: 0x41, do: [eoi]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {advance: 5us}
            """);

        var guest = r.Dispatch.Where(d => d.Vm == "g0").Select(d => (d.Vector, d.Depth)).ToArray();
        Assert.True(guest.SequenceEqual([(0x30, 0), (0x41, 0)]), Sim.Describe(r));
    }
}
