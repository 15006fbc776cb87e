using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// <c>dispatch[].path</c> of bare-mode handlers (SCENARIOS.md §10; docs/delivery.md): under IDT delivery an external
/// interrupt enters through its gate (<c>idt_gate</c>); under FRED there are no gates and the one entry point switches on
/// the event type (FRED spec ch. 5), the scenario's handlers being one table indexed by vector (<c>sysvec_table</c>), for
/// system-range and device-range vectors alike. NMIs take <c>nmi</c>, exceptions <c>exception</c>.
/// </summary>
public sealed class BareDispatchPathTests
{
    [Theory]
    [InlineData("idt", 0x41, "idt_gate")]
    [InlineData("idt", 0xF0, "idt_gate")]
    [InlineData("fred", 0x41, "sysvec_table")]
    [InlineData("fred", 0xF0, "sysvec_table")]
    public void External_interrupts(string delivery, int vector, string path)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: bare-path
            kernel: {mode: bare, delivery: {{{delivery}}}, version: latest}
            machine: {cpus: 1}
            handlers:
              - {vector: {{{vector}}}, do: [eoi]}
              - {vector: 2, do: []}
              - {vector: 14, do: []}
            steps:
              - {ipi: {from: 0, to: self, vector: {{{vector}}}}}
              - {advance: 1us}
              - {nmi: {cpu: 0}}
              - {advance: 1us}
              - {exception: {cpu: 0, vector: 14, error_code: 2, cr2: 0x1000}}
              - {advance: 1us}
            """);

        Assert.Equal(
            [("ext_int", vector, path), ("nmi", 2, "nmi"), ("hw_exc", 14, "exception")],
            r.Dispatch.Select(d => (d.Event, d.Vector, d.Path)).ToArray());
    }

    /// <summary>
    /// Guest handlers are entered through the guest's own IDT whatever the host's <c>kernel.delivery</c> (a missing guest
    /// gate raises #NP in the guest, docs/simulation.md, Virtualization): an external interrupt there is <c>idt_gate</c>
    /// under a FRED host too; an injected NMI is <c>nmi</c>, an injected exception <c>exception</c>.
    /// </summary>
    [Theory]
    [InlineData("idt")]
    [InlineData("fred")]
    public void Guest_handlers_use_the_guest_idt_whatever_the_host_delivery(string delivery)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: guest-path
            kernel: {version: latest, delivery: {{{delivery}}}}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers:
                  - {vector: 0x30, do: [eoi]}
                  - {vector: 2, do: []}
                  - {vector: 14, do: []}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {vm: {op: inject, vm: g0, vcpu: 0, type: nmi}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {vm: {op: inject, vm: g0, vcpu: 0, type: hw_exc, vector: 14, error_code: 2}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
            """);

        Assert.Equal(
            [("ext_int", 0x30, "idt_gate"), ("nmi", 2, "nmi"), ("hw_exc", 14, "exception")],
            r.Dispatch.Where(d => d.Vm == "g0").Select(d => (d.Event, d.Vector, d.Path)).ToArray());
    }
}

