using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// SCENARIOS.md §6: a bare handler's <c>read</c>, <c>write</c> and <c>ipi</c> actions take the step's forms (§7), and
/// docs/scenario-loader.md says their <c>cpu</c> / <c>from</c> only <em>default</em> to the handler's CPU. An explicit
/// CPU in an action names that CPU, as in a step; the values recorded in §10 <c>reads</c> come from it (they used to
/// come from the handler's CPU whatever the action said).
/// </summary>
public sealed class HandlerActionCpuTests
{
    [Theory]
    [InlineData("xapic")]
    [InlineData("x2apic")]
    public void A_handler_read_with_an_explicit_cpu_reads_that_cpu_SCENARIOS_6_and_10_reads(string apic)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: handler-read-cpu
            kernel: {mode: bare}
            machine: {cpus: 2, apic: {{{apic}}}}
            handlers:
              - vector: 0x41
                do:
                  - {read: {cpu: 0, reg: apic.isr, as: isr_cpu0}}
                  - {read: {cpu: 1, reg: apic.isr, as: isr_cpu1}}
                  - {read: {reg: apic.isr, as: isr_own}}
                  - {read: {cpu: 0, reg: apic.id, as: id_cpu0}}
                  - eoi
            steps:
              - {ipi: {from: 0, to: 1, vector: 0x41}}
            """);
        Assert.Equal("[]", Sim.Read(r, "isr_cpu0").ToString());
        Assert.Equal("[65]", Sim.Read(r, "isr_cpu1").ToString());
        Assert.Equal("[65]", Sim.Read(r, "isr_own").ToString());
        Assert.Equal(0UL, Sim.Read(r, "id_cpu0").Scalar);
    }

    [Fact]
    public void A_handler_write_with_an_explicit_cpu_writes_that_cpu_SCENARIOS_6()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: handler-write-cpu
            kernel: {mode: bare}
            machine: {cpus: 2}
            handlers:
              - vector: 0x41
                do: [{write: {cpu: 0, reg: apic.tpr, value: 0x30}}, eoi]
            steps:
              - {ipi: {from: 0, to: 1, vector: 0x41}}
              - {read: {cpu: 0, reg: apic.tpr, as: tpr0}}
              - {read: {cpu: 1, reg: apic.tpr, as: tpr1}}
            """);
        Assert.Equal(0x30UL, Sim.Read(r, "tpr0").Scalar);
        Assert.Equal(0UL, Sim.Read(r, "tpr1").Scalar);
    }

    [Fact]
    public void A_handler_ipi_with_an_explicit_from_is_sent_by_that_cpu_SCENARIOS_6()
    {
        // "to: self" is the sender's self: the IPI sent "from: 0" by a handler on CPU 1 lands on CPU 0.
        var r = Sim.Run("""
            irqlab: 1
            name: handler-ipi-from
            kernel: {mode: bare}
            machine: {cpus: 2}
            handlers:
              - vector: 0x41
                do: [{ipi: {from: 0, to: self, vector: 0x42}}, eoi]
              - vector: 0x42
                do: [eoi]
            steps:
              - {ipi: {from: 0, to: 1, vector: 0x41}}
              - {advance: 1us}
            """);
        Assert.Equal([(1, 0x41), (0, 0x42)], r.Dispatch.Select(d => (d.Cpu, d.Vector)).ToArray());
    }
}
