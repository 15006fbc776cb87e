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
        Assert.Equal(tpr, Sim.Read(r, "tpr").Scalar);
        Assert.Equal(tpr == 0 ? 0xFFFF_FFFFUL : tpr, Sim.Read(r, "mmio").Scalar);
    }

    /// <summary>
    /// Only an xAPIC decodes its page. In x2APIC mode the MMIO interface "behaves similar to that of a legacy xAPIC in
    /// globally disabled state" (SDM Vol. 3A §11.12.2), and a globally disabled APIC is as if the processor had none
    /// (§11.4.3): the page is then ordinary memory, which reads all ones (KVM <c>apic_mmio_read()</c>,
    /// <c>KVM_X86_QUIRK_LAPIC_MMIO_HOLE</c>), for a <c>read</c> and an <c>expect</c> alike, and a write there reaches no register.
    /// </summary>
    [Theory]
    [InlineData("x2apic", null)]                  // x2APIC from reset
    [InlineData("xapic", 0xFEE00C00UL)]           // switched to x2APIC by WRMSR (EN | EXTD)
    [InlineData("xapic", 0xFEE00000UL)]           // globally disabled (EN = 0)
    [InlineData("x2apic", 0xFEE00000UL)]          // x2APIC, then globally disabled
    public void The_APIC_page_is_ordinary_memory_outside_xAPIC_mode_SDM_11_12_2(string apic, ulong? apicBase)
    {
        var relocate = apicBase is { } b ? $"- {{write: {{cpu: 0, msr: 0x1B, value: 0x{b:X}}}}}" : "- {advance: 0}";
        var r = Sim.Run($$$"""
            irqlab: 1
            name: apic-page-not-decoded
            kernel: {mode: bare}
            machine: {cpus: 1, apic: {{{apic}}}}
            steps:
              {{{relocate}}}
              - {write: {cpu: 0, mmio: 0xFEE00080, value: 0x30}}
              - {read: {cpu: 0, mmio: 0xFEE00080, as: tpr_page}}
              - {read: {cpu: 0, mmio: 0xFEE00030, as: version_page}}
              - {expect: {cpu: 0, mmio: 0xFEE000F0, equals: 0xFFFFFFFF}}
            """);
        Assert.Equal(0xFFFF_FFFFUL, Sim.Read(r, "tpr_page").Scalar);
        Assert.Equal(0xFFFF_FFFFUL, Sim.Read(r, "version_page").Scalar);
        Assert.All(r.Expects, e => Assert.True(e.Ok, e.Detail));
        Assert.Empty(r.Dispatch);
    }

    /// <summary>
    /// A page the local APIC does not decode (x2APIC mode, SDM Vol. 3A §11.12.2) leaves whatever else lives at that
    /// address to answer, for writes as for reads: with IA32_APIC_BASE moved onto IO-APIC 0's window, MMIO there programs
    /// the IO-APIC (IOREGSEL, then IOWIN reads the masked reset entry of pin 0) in x2APIC mode, while an xAPIC claims it.
    /// </summary>
    [Theory]
    [InlineData("x2apic", 0xFEC00D00UL, 0x0001_0000UL)]   // not decoded by the x2APIC: IO-APIC RTE 0 low
    [InlineData("xapic", 0xFEC00900UL, 0UL)]              // the xAPIC claims its page: offset 0x10 is reserved, reads 0
    public void MMIO_in_a_page_the_APIC_does_not_decode_reaches_the_IO_APIC_SDM_11_12_2(string apic, ulong apicBase, ulong expected)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: apic-page-over-ioapic
            kernel: {mode: bare}
            machine: {cpus: 1, apic: {{{apic}}}}
            steps:
              - {write: {cpu: 0, msr: 0x1B, value: 0x{{{apicBase:X}}}}}
              - {write: {cpu: 0, mmio: 0xFEC00000, value: 0x10}}
              - {read: {cpu: 0, mmio: 0xFEC00010, as: window}}
            """);
        Assert.Equal(expected, Sim.Read(r, "window").Scalar);
        Assert.Empty(r.Dispatch);
    }
}
