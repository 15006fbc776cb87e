using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The xAPIC register page follows IA32_APIC_BASE bits 12 and up (SDM Vol. 3A §11.4.4, §11.4.5: 0xFEE00000 after
/// reset, relocatable by WRMSR): an MMIO access reaches the local APIC only inside the page the MSR names now.
/// </summary>
public sealed class ApicBaseRelocationTests
{
    [Theory]
    [InlineData(null, 0xFEE00080UL, 0x30UL)]            // reset base
    [InlineData(0xFED00900UL, 0xFED00080UL, 0x30UL)]    // relocated: the new page decodes
    [InlineData(0xFED00900UL, 0xFEE00080UL, 0UL)]       // ... and the old one no longer does
    [InlineData(0x1_0000_0900UL, 0x1_0000_0080UL, 0x30UL)] // above 4 GiB (below MAXPHYADDR)
    public void MMIO_reaches_the_APIC_at_the_base_IA32_APIC_BASE_names_SDM_11_4_5(ulong? apicBase, ulong address, ulong tpr)
    {
        var relocate = apicBase is { } b ? $"- {{write: {{cpu: 0, msr: 0x1B, value: 0x{b:X}}}}}" : "- {advance: 0}";
        var r = Sim.Run($$$"""
            irqlab: 1
            name: apic-base
            kernel: {mode: bare}
            machine: {cpus: 1}
            steps:
              {{{relocate}}}
              - {write: {cpu: 0, mmio: 0x{{{address:X}}}, value: 0x30}}
              - {read: {cpu: 0, reg: apic.tpr, as: tpr}}
              - {read: {cpu: 0, mmio: 0x{{{address:X}}}, as: mmio}}
            """);
        Assert.Equal(tpr, r.Reads.Single(x => x.Key == "tpr").Value.Scalar);
        Assert.Equal(tpr == 0 ? 0xFFFF_FFFFUL : tpr, r.Reads.Single(x => x.Key == "mmio").Value.Scalar);
    }
}
