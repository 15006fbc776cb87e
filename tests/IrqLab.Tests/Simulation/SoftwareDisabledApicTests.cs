using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A local APIC software-disabled through SVR bit 8 (SDM Vol. 3A §11.4.7.2) refuses new fixed interrupts, while the
/// ones its IRR already holds "are held and require masking or handling by the CPU": the CPU still takes them (KVM
/// <c>kvm_apic_has_interrupt</c> gates on the hardware enable only).
/// </summary>
public sealed class SoftwareDisabledApicTests
{
    [Fact]
    public void A_vector_pending_before_the_software_disable_is_still_taken_and_a_later_one_is_dropped()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: sw-disabled-holds-irr
            kernel: {mode: bare}
            machine: {cpus: 1}
            handlers:
              - {vector: 0x50, do: [eoi]}
              - {vector: 0x60, do: [eoi]}
            steps:
              - {write: {reg: apic.tpr, value: 0xF0}}
              - {ipi: {to: self, vector: 0x50}}
              - {write: {reg: apic.svr, value: 0xFF}}
              - {ipi: {to: self, vector: 0x60}}
              - {write: {reg: apic.tpr, value: 0}}
              - {advance: 1us}
              - {read: {reg: apic.irr, as: irr}}
            """);

        var d = Assert.Single(r.Dispatch);
        Assert.Equal(0x50, d.Vector);
        Assert.Equal((2L, 1L, 1L), (r.Stats.Raised, r.Stats.Delivered, r.Stats.Dropped));
        Assert.Null(Sim.Unconserved(r));
    }
}
