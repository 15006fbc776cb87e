using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The LDR a linux-mode CPU starts with follows the APIC driver Linux picks (arch/x86/kernel/apic/apic_flat_64.c):
/// the logical "flat" driver's <c>default_init_apic_ldr()</c> sets LDR = 1 &lt;&lt; (24 + cpu) on 6.1-6.10 with at most
/// 8 possible CPUs; <c>physflat_probe()</c> wins above 8 CPUs, and mainline 6.12 removed logical destination mode for 64-bit
/// ("x86/apic: Remove logical destination mode for 64-bit"), so <c>latest</c> always runs physflat, which never
/// writes the LDR (reset value 0, SDM Vol. 3A §11.4.7.1). In x2APIC mode the LDR derives from the ID (§11.12.10.2).
/// </summary>
public sealed class LinuxApicDriverLdrTests
{
    [Theory]
    [InlineData("6.1", 2, "xapic", 1, 0x0200_0000UL)] // flat: 1 << (24 + cpu)
    [InlineData("6.6", 8, "xapic", 7, 0x8000_0000UL)]
    [InlineData("6.10", 4, "xapic", 3, 0x0800_0000UL)]
    [InlineData("6.10", 9, "xapic", 1, 0UL)] // more than 8 CPUs: physflat
    [InlineData("6.1", 16, "xapic", 0, 0UL)]
    [InlineData("latest", 2, "xapic", 1, 0UL)] // 6.12+: physflat only
    [InlineData("latest", 8, "xapic", 0, 0UL)]
    [InlineData("latest", 20, "x2apic", 17, 0x0001_0002UL)] // x2APIC: cluster 1, bit 1
    [InlineData("6.6", 2, "x2apic", 1, 0x0000_0002UL)]
    public void Linux_LDR_follows_the_apic_flat_64_driver(string version, int cpus, string apic, int cpu, ulong ldr)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: linux-ldr
            kernel: {version: "{{{version}}}"}
            machine: {cpus: {{{cpus}}}, apic: {{{apic}}} }
            steps:
              - {read: {cpu: {{{cpu}}}, reg: apic.ldr, as: ldr}}
              - {read: {cpu: {{{cpu}}}, reg: apic.dfr, as: dfr}}
            """);
        Assert.Equal(ldr, Sim.Read(r, "ldr").Scalar);
        if (apic == "xapic")
        {
            Assert.Equal(0xFFFF_FFFFUL, Sim.Read(r, "dfr").Scalar); // flat (written or reset)
        }
    }

    [Fact]
    public void IPIs_under_physflat_reach_their_CPUs_by_physical_ID()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: physflat-ipis
            kernel: {version: latest}
            machine: {cpus: 4}
            steps:
              - {ipi: {from: 0, to: 3, vector: RESCHEDULE_VECTOR}}
              - {ipi: {from: 1, to: all-but-self, vector: CALL_FUNCTION_VECTOR}}
              - {advance: 10us}
            """);
        Assert.Equal(1UL, Sim.Count(r, "RES", 3));
        Assert.Equal([1UL, 0UL, 1UL, 1UL], r.InterruptRows.Single(x => x.Row == "CAL").Counts);
    }
}
