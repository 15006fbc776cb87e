using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The destination Linux programs for a device vector follows its APIC driver: <c>__irq_msi_compose_msg()</c>
/// (arch/x86/kernel/apic/apic.c) takes <c>apic-&gt;dest_mode_logical</c> and <c>apic-&gt;calc_dest_apicid(cpu)</c>, and
/// <c>ioapic_setup_msg_from_msi()</c> (io_apic.c) copies both into the redirection entry. The logical "flat" driver
/// (apic_flat_64.c, 6.1-6.10 with at most 8 CPUs in xAPIC mode) has <c>dest_mode_logical = true</c> and
/// <c>apic_flat_calc_apicid()</c> = <c>1U &lt;&lt; cpu</c>, matching the LDR its <c>default_init_apic_ldr()</c> set;
/// physflat (more than 8 CPUs, and every <c>latest</c> machine) and x2APIC without interrupt remapping
/// (<c>try_to_enable_x2apic()</c> sets <c>x2apic_phys</c>) program physical mode and the APIC ID.
/// </summary>
public sealed class LinuxDeviceDestinationTests
{
    [Theory]
    [InlineData("6.1", 2, "xapic", 0x02UL, true)]    // flat: logical, 1 << cpu
    [InlineData("6.6", 4, "xapic", 0x02UL, true)]
    [InlineData("6.10", 8, "xapic", 0x02UL, true)]
    [InlineData("6.10", 9, "xapic", 0x01UL, false)]  // more than 8 CPUs: physflat
    [InlineData("latest", 2, "xapic", 0x01UL, false)] // 6.12+: physflat only
    [InlineData("6.6", 2, "x2apic", 0x01UL, false)]  // x2APIC without IR: x2apic_phys
    public void The_redirection_entry_carries_the_drivers_destination(
        string version, int cpus, string apic, ulong destination, bool logical)
    {
        // Two level lines: the vector allocator puts the first on CPU 0 and the second on CPU 1 (most free vectors).
        var r = Sim.Run($$$"""
            irqlab: 1
            name: linux-destination
            kernel: {version: "{{{version}}}"}
            machine: {cpus: {{{cpus}}}, apic: {{{apic}}} }
            devices:
              - {name: a, line: {ioapic: 0, pin: 16, trigger: level, polarity: low}, handler: {returns: handled}}
              - {name: b, line: {ioapic: 0, pin: 17, trigger: level, polarity: low}, handler: {returns: handled}}
            steps:
              - {read: {ioapic: 0, reg: redir.17, as: rte}}
              - {raise: b}
            """);

        var rte = r.Reads.Single(x => x.Key == "rte").Value.Scalar;
        Assert.Equal(destination, rte >> 56);
        Assert.Equal(logical, (rte & (1UL << 11)) != 0);
        var entry = Assert.Single(r.Dispatch);
        Assert.True(entry.Cpu == 1 && entry.Irq == 17, Sim.Describe(r));
    }

    [Fact]
    public void Msi_x_vectors_composed_in_logical_flat_mode_reach_their_cpus()
    {
        // The same composition for MSI-X: address bit 2 (DM) set, destination ID 1 << cpu in bits 19:12.
        var r = Sim.Run("""
            irqlab: 1
            name: linux-msix-flat
            kernel: {version: "6.6"}
            machine: {cpus: 4}
            devices:
              - {name: eth0, msix: {vectors: 4, affinity: [0, 1, 2, 3]}, handler: {returns: handled}}
            steps:
              - {raise: {device: eth0, vector_index: 0}}
              - {raise: {device: eth0, vector_index: 3}}
              - {raise: {device: eth0, vector_index: 2}}
            """);

        Assert.Equal([0, 3, 2], r.Dispatch.Select(d => d.Cpu).ToArray());
    }
}
