using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Machines with more than 255 CPUs (docs/simulation.md, "More than 255 CPUs"): Linux composes MSIs with
/// <c>virt_destid_8_14</c> (arch/x86/kernel/apic/apic.c <c>__irq_msi_compose_msg</c>) and the machine decodes the
/// extended destination ID as QEMU/KVM with KVM_FEATURE_MSI_EXT_DEST_ID does, without the legacy 0xFF broadcast.
/// </summary>
public sealed class LargeMachineTests
{
    [Theory]
    [InlineData(0, 254)]
    [InlineData(1, 255)] // APIC ID 255: destination 0xFF, an ordinary ID here
    [InlineData(2, 256)] // APIC ID 256: needs address bits 11:5
    [InlineData(3, 299)]
    public void Each_msix_vector_reaches_exactly_its_affinity_cpu(int vectorIndex, int cpu)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: large-machine
            kernel: {version: latest, delivery: fred}
            machine: {cpus: 300, apic: x2apic}
            devices:
              - {name: nic0, msix: {vectors: 4, affinity: [254, 255, 256, 299]}, handler: {returns: handled, cost: 1us}}
            steps:
              - {raise: {device: nic0, vector_index: {{{vectorIndex}}}}}
              - {advance: 10us}
            """);
        Assert.True(r.Stats.Delivered == 1, Sim.Describe(r));
        var d = Assert.Single(r.Dispatch);
        Assert.Equal((cpu, "common_interrupt"), (d.Cpu, d.Handler));
        Assert.Equal(1UL, r.InterruptRows.Single(x => x.Counts.Any(c => c != 0)).Counts[cpu]);
        Assert.Null(Sim.Unconserved(r));
    }
}
