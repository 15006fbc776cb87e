using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The <c>{logical: M}</c> destination of an <c>ipi</c> step (docs/simulation.md, logical destinations), matched against
/// the LDR each CPU holds: xAPIC flat and cluster models (SDM Vol. 3A §11.6.2.2; MDA 0xFF reaches every CPU), the LDR the
/// Linux APIC driver leaves (arch/x86/kernel/apic/apic_flat_64.c: flat 1 &lt;&lt; (24 + cpu) on 6.1-6.10 with at most 8
/// CPUs, physflat leaves 0), and x2APIC cluster addressing (§11.12.10.2: LDR = (ID &gt;&gt; 4) &lt;&lt; 16 | 1 &lt;&lt; (ID &amp; 15),
/// M[31:16] one cluster, M[15:0] a member bitmap, only 0xFFFFFFFF broadcasts; KVM <c>kvm_apic_match_logical_addr()</c>).
/// </summary>
public sealed class LogicalDestinationIpiTests
{
    [Theory]
    [InlineData("6.10", 4, "xapic", "", 0x3UL, new[] { 0, 1 })] // flat driver: LDR 1 << (24 + cpu)
    [InlineData("latest", 4, "xapic", "", 0x3UL, new int[0])] // physflat only (6.12+): LDR 0, nobody answers
    [InlineData("6.10", 16, "xapic", "", 0x3UL, new int[0])] // physflat above 8 CPUs
    [InlineData("latest", 4, "xapic", "", 0xFFUL, new[] { 0, 1, 2, 3 })] // 0xFF: every CPU, LDR 0 included
    [InlineData("latest", 4, "xapic", "cluster", 0x22UL, new[] { 3 })] // cluster 2, member bit 1
    [InlineData("latest", 4, "xapic", "cluster", 0x23UL, new[] { 2, 3 })] // cluster 2, member bits 0-1
    [InlineData("latest", 4, "xapic", "cluster", 0x13UL, new[] { 1 })] // cluster 1, member bits 0-1
    [InlineData("latest", 4, "xapic", "cluster", 0xFFUL, new[] { 0, 1, 2, 3 })]
    [InlineData("6.10", 40, "x2apic", "", 0x0001_0003UL, new[] { 16, 17 })] // cluster 1, bits 0-1
    [InlineData("6.10", 40, "x2apic", "", 0x0002_0002UL, new[] { 33 })]
    [InlineData("6.10", 40, "x2apic", "", 0x0003_0001UL, new int[0])] // cluster 3 would start at CPU 48
    [InlineData("latest", 301, "x2apic", "", 0x0012_1000UL, new[] { 300 })] // APIC ID 0x12C: cluster 0x12, bit 12
    [InlineData("latest", 40, "x2apic", "", 0xFFFF_FFFFUL, new[] { -1 })] // broadcast: every CPU, the sender too
    [InlineData("latest", 4096, "x2apic", "", 0x00FF_8000UL, new[] { 4095 })] // cluster 255, bit 15
    [InlineData("latest", 40, "x2apic", "", 0xFFFF_0001UL, new int[0])] // cluster 0xFFFF: not a broadcast
    [InlineData("latest", 40, "x2apic", "", 0x0000_0000UL, new int[0])]
    public void A_logical_ipi_reaches_the_CPUs_whose_LDR_matches(
        string version, int cpus, string apic, string model, ulong destination, int[] expected)
    {
        // "cluster": CPUs 1-3 switch to the xAPIC cluster model (DFR bits 31:28 = 0000) with LDR cluster cpu/2+1 and
        // member bit 1 << cpu%2 (LDR[31:24] of CPU 1: 0x12, CPU 2: 0x21, CPU 3: 0x22); CPU 0 keeps flat DFR and LDR 0 (physflat).
        var setup = model == "cluster"
            ? string.Join("\n", Enumerable.Range(1, 3).Select(c =>
                $"  - {{write: {{cpu: {c}, reg: apic.dfr, value: 0x0FFFFFFF}}}}\n" +
                $"  - {{write: {{cpu: {c}, reg: apic.ldr, value: 0x{(((c / 2) + 1) << 4 | (1 << (c % 2))) << 24:X8}}}}}"))
            : "";
        var r = Sim.Run($$$"""
            irqlab: 1
            name: logical-ipi
            kernel: {version: "{{{version}}}"}
            machine: {cpus: {{{cpus}}}, apic: {{{apic}}} }
            steps:
            {{{setup}}}
              - {ipi: {from: 0, to: {logical: 0x{{{destination:X}}}}, vector: RESCHEDULE_VECTOR}}
              - {advance: 10us}
            """);
        var want = expected is [-1] ? Enumerable.Range(0, cpus).ToArray() : expected;
        var got = Enumerable.Range(0, cpus).Where(c => Sim.Count(r, "RES", c) != 0).ToArray();
        Assert.True(want.SequenceEqual(got), $"expected [{string.Join(", ", want)}], got [{string.Join(", ", got)}]; {Sim.Describe(r)}");
        Assert.All(got, c => Assert.Equal(1UL, Sim.Count(r, "RES", c)));
    }
}
