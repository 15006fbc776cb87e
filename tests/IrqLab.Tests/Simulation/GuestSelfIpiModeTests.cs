using IrqLab.Scenarios;
using IrqLab.Simulation;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Only a fixed self-IPI sets a bit in the guest's virtual IRR. SDM Vol. 3C §30.4.3.2 (APIC-write emulation of ICR_LO)
/// performs self-IPI virtualization only when delivery mode is 000B (fixed), the shorthand is self, the trigger is edge
/// and the vector's upper nibble is not 0; any other ICR value causes an APIC-write VM exit, and KVM then emulates
/// the IPI by its delivery mode (<c>__apic_accept_irq</c>: NMI → <c>kvm_inject_nmi</c>, INIT → a pending INIT, SMI → an
/// SMI), none of which sets the vector in IRR. A guest handler's NMI, INIT, SIPI or SMI self-IPI used to set
/// VIRR[vector], so an INIT "with vector 0x41" ran the guest's 0x41 handler. The model does not emulate those modes
/// inside a VM: the action is reported as not modelled and ignored, as other unmodelled guest actions are.
/// </summary>
public sealed class GuestSelfIpiModeTests
{
    [Theory]
    [InlineData("nmi", "xapic")]
    [InlineData("init", "xapic")]
    [InlineData("sipi", "xapic")]
    [InlineData("smi", "xapic")]
    [InlineData("nmi", "x2apic")]
    [InlineData("init", "x2apic")]
    public void A_non_fixed_guest_self_ipi_does_not_set_the_virtual_irr_SDM_30_4_3_2(string mode, string apic)
    {
        var r = Simulator.Run(ScenarioLoader.Parse("""
            irqlab: 1
            name: guest-self-ipi-MODE
            kernel: {version: "6.10"}
            machine: {cpus: 2, apic: APIC}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers:
                  - {vector: 0x40, do: [{ipi: {to: self, vector: 0x41, mode: MODE}}, eoi]}
                  - {vector: 0x41, do: [eoi]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x40}}
              - {advance: 10us}
            """.Replace("MODE", mode, StringComparison.Ordinal).Replace("APIC", apic, StringComparison.Ordinal), "guest-self-ipi.yaml"));

        Assert.Equal([0x40], r.Dispatch.Where(d => d.Vm == "g0").Select(d => d.Vector));
        Assert.Contains(r.Messages, m => m.Text == "irqlab: guest action ipi in VM g0's handler for vector 0x40 is not modelled inside a VM; ignored");
    }

    [Theory]
    [InlineData("fixed")]
    [InlineData("lowest")]
    public void A_fixed_guest_self_ipi_is_still_virtualized(string mode)
    {
        var r = Simulator.Run(ScenarioLoader.Parse("""
            irqlab: 1
            name: guest-self-ipi-MODE
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers:
                  - {vector: 0x40, do: [{ipi: {to: self, vector: 0x51, mode: MODE}}, eoi]}
                  - {vector: 0x51, do: [eoi]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x40}}
              - {advance: 10us}
            """.Replace("MODE", mode, StringComparison.Ordinal), "guest-self-ipi.yaml"));

        Assert.Equal([0x40, 0x51], r.Dispatch.Where(d => d.Vm == "g0").Select(d => d.Vector));
        Assert.DoesNotContain(r.Messages, m => m.Text.StartsWith("irqlab: guest action ipi", StringComparison.Ordinal));
    }
}
