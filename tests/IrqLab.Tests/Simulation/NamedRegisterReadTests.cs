using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A named <c>read</c> is the instruction software would use (SCENARIOS.md §7, "per SDM rules"): RDMSR in x2APIC mode,
/// which raises #GP for the registers x2APIC mode does not have (APR, DFR) and the write-only ones (EOI, SELF IPI),
/// SDM Vol. 3A Table 11-6 and §11.12.1.2 — as a named write to a read-only x2APIC register already did. In xAPIC
/// mode the same reads do not fault. An expect only looks and never faults.
/// </summary>
public sealed class NamedRegisterReadTests
{
    [Theory]
    [InlineData("x2apic", "apic.apr", true)]
    [InlineData("x2apic", "apic.dfr", true)]
    [InlineData("x2apic", "apic.eoi", true)]
    [InlineData("x2apic", "apic.self_ipi", true)]
    [InlineData("x2apic", "apic.id", false)]
    [InlineData("x2apic", "apic.ldr", false)]
    [InlineData("x2apic", "apic.tpr", false)]
    [InlineData("x2apic", "apic.icr", false)]
    [InlineData("x2apic", "apic.esr", false)]
    [InlineData("x2apic", "apic.isr", false)]
    [InlineData("x2apic", "apic.timer.current", false)]
    [InlineData("x2apic", "apic.lvt.cmci", false)]
    [InlineData("xapic", "apic.apr", false)]
    [InlineData("xapic", "apic.dfr", false)]
    [InlineData("xapic", "apic.eoi", false)]
    public void A_named_read_faults_exactly_where_RDMSR_does_SDM_Table_11_6(string apic, string reg, bool faults)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: named-read
            kernel: {mode: bare}
            machine: {cpus: 1, apic: {{{apic}}} }
            handlers:
              - {vector: 0x0D, do: []}
            steps:
              - {read: {cpu: 0, reg: {{{reg}}}, as: v}}
            """);
        Assert.Equal(faults ? 1 : 0, r.Dispatch.Count(d => d.Vector == 13));
        Assert.Empty(r.Faults);
    }

    [Fact]
    public void An_expect_on_a_register_x2APIC_mode_lacks_only_looks()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: expect-dfr
            kernel: {mode: bare}
            machine: {cpus: 1, apic: x2apic}
            handlers:
              - {vector: 0x0D, do: []}
            steps:
              - {expect: {cpu: 0, reg: apic.dfr, equals: 0xFFFFFFFF}}
            """);
        Assert.Empty(r.Dispatch);
    }

    [Fact]
    public void An_x2APIC_read_of_DFR_without_a_GP_handler_ends_in_a_triple_fault_SDM_Table_6_5()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: dfr-no-handler
            kernel: {mode: bare}
            machine: {cpus: 1, apic: x2apic}
            steps:
              - {read: {cpu: 0, reg: apic.dfr, as: dfr}}
            """);
        Assert.Equal("triple_fault", Assert.Single(r.Faults).Kind);
    }
}
