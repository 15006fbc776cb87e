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

        var rte = Sim.Read(r, "rte").Scalar;
        Assert.Equal(destination, rte >> 56);
        Assert.Equal(logical, (rte & (1UL << 11)) != 0);
        var entry = Assert.Single(r.Dispatch);
        Assert.True(entry.Cpu == 1 && entry.Irq == 17, Sim.Describe(r));
    }

    [Theory]
    [InlineData("6.6", 0)]       // flat: the message to CPU 3 is logical 0x08, which CPU 3 no longer answers to
    [InlineData("latest", 1)]    // physflat: physical APIC ID 3, the LDR plays no part
    public void Msi_x_messages_follow_the_ldr_under_the_flat_driver(string version, int dispatchedOnCpu3)
    {
        // A step moves CPU 3's logical ID from 0x08 to 0x80 (SDM Vol. 3A §11.6.2.2: a flat logical destination is
        // matched against each LDR's bits 31:24); MSI-X vector 3 is composed for CPU 3 (affinity) before that.
        var r = Sim.Run($$$"""
            irqlab: 1
            name: linux-msix-flat
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 4}
            devices:
              - {name: eth0, msix: {vectors: 4, affinity: [0, 1, 2, 3]}, handler: {returns: handled}}
            steps:
              - {write: {cpu: 3, reg: apic.ldr, value: 0x80000000}}
              - {raise: {device: eth0, vector_index: 0}}
              - {raise: {device: eth0, vector_index: 3}}
            """);

        Assert.Equal(1, r.Dispatch.Count(d => d.Cpu == 0));
        Assert.Equal(dispatchedOnCpu3, r.Dispatch.Count(d => d.Cpu == 3));
    }

    [Theory]
    [InlineData("6.6", 0)]       // flat: default_send_IPI_mask_logical, destination 1 << 1 = 0x02
    [InlineData("latest", 1)]    // physflat: physical APIC ID 1
    public void Workload_ipis_are_sent_as_the_driver_addresses_the_receiver(string version, int cpu1Gets)
    {
        // Two CPUs, so every workload IPI goes from one to the other. CPU 1's LDR is cleared first: under the flat
        // driver the IPIs CPU 0 sends to it (logical 0x02) reach no APIC; physical ones still reach it.
        var r = Sim.Run($$$"""
            irqlab: 1
            name: linux-ipi-flat
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 2}
            workload:
              - {ipis: {rate: 100000/s, vector: RESCHEDULE_VECTOR}}
            steps:
              - {write: {cpu: 1, reg: apic.ldr, value: 0}}
              - {advance: 200us}
              - {read: {cpu: 1, reg: apic.icr, as: icr1}}
            """);

        var toCpu1 = r.Dispatch.Count(d => d.Cpu == 1 && d.Handler == "sysvec_reschedule_ipi");
        var toCpu0 = r.Dispatch.Count(d => d.Cpu == 0 && d.Handler == "sysvec_reschedule_ipi");
        Assert.True(toCpu0 > 0, Sim.Describe(r));
        Assert.Equal(cpu1Gets, Math.Sign(toCpu1));

        // The last ICR CPU 1 wrote (to CPU 0): destination mode and ID as the driver writes them.
        var icr = Sim.Read(r, "icr1").Scalar;
        Assert.Equal(cpu1Gets == 0, (icr & (1UL << 11)) != 0);
        Assert.Equal(cpu1Gets == 0 ? 0x01UL : 0x00UL, icr >> 56);
    }
}
