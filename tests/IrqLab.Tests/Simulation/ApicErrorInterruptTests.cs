using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// An illegal vector latches ESR bits and raises the LVT error interrupt; Linux's <c>sysvec_error_interrupt</c>
/// (arch/x86/kernel/apic/apic.c) writes ESR, which moves the collected errors into it (SDM Vol. 3A §11.5.3), and reads
/// it before the EOI. Afterwards a scenario's read of apic.esr sees the latched bits, and a write-then-read sees none.
/// </summary>
public sealed class ApicErrorInterruptTests
{
    [Theory]
    [InlineData("6.1", "idt", "xapic")]
    [InlineData("6.6", "idt", "xapic")]
    [InlineData("6.9", "idt", "xapic")]
    [InlineData("6.9", "fred", "x2apic")]
    [InlineData("6.10", "idt", "x2apic")]
    [InlineData("latest", "fred", "xapic")]
    public void The_error_handler_latches_ESR_SDM_11_5_3_apic_c_sysvec_error_interrupt(string version, string delivery, string apic)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: illegal-self-ipi
            kernel: {version: "{{{version}}}", delivery: {{{delivery}}} }
            machine: {cpus: 2, apic: {{{apic}}} }
            steps:
              - {ipi: {from: 0, to: self, vector: 0x0e}}
              - {advance: 1us}
              - {read: {cpu: 0, reg: apic.esr, as: esr_before}}
              - {write: {cpu: 0, reg: apic.esr, value: 0}}
              - {read: {cpu: 0, reg: apic.esr, as: esr_after}}
            """);
        var d = Assert.Single(r.Dispatch);
        Assert.Equal(("sysvec_error_interrupt", 0, 0xfe), (d.Handler, d.Cpu, d.Vector));
        Assert.Equal(0x60UL, Sim.Read(r, "esr_before").Scalar); // send + receive illegal vector
        Assert.Equal(0UL, Sim.Read(r, "esr_after").Scalar);
        Assert.Equal(1UL, Sim.Count(r, "ERR", 0));
        Assert.Empty(r.Messages); // apic_printk(APIC_DEBUG): printed only with apic=debug
        Assert.Null(Sim.Unconserved(r));
    }

    [Fact]
    public void A_second_illegal_vector_after_the_handler_cleared_ESR_raises_a_second_error_interrupt_SDM_11_5_3()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: two-illegal-ipis
            kernel: {version: latest}
            machine: {cpus: 2}
            steps:
              - {ipi: {from: 0, to: 1, vector: 0x03}}
              - {advance: 1us}
              - {ipi: {from: 0, to: 1, vector: 0x03}}
              - {advance: 1us}
              - {read: {cpu: 0, reg: apic.esr, as: esr0}}
            """);
        Assert.Equal(2, r.Dispatch.Count(d => d.Handler == "sysvec_error_interrupt" && d.Cpu == 0));
        Assert.Equal(2UL, Sim.Count(r, "ERR", 0));
        Assert.Equal(0x20UL, Sim.Read(r, "esr0").Scalar); // send illegal vector, latched again
    }
}
