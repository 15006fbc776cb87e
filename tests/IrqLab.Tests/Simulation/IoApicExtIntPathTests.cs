using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The ExtINT path through an IO-APIC entry: an ISA line reaches 8259 input N and IO-APIC 0 pin N at once
/// (docs/simulation.md "Devices and lines"); an entry programmed ExtINT sends a message whose INTA cycle is "routed to the
/// external controller" (SDM Vol. 3A §11.5.1), so the 8259 answers with the vector of the request that very edge latched.
/// </summary>
public sealed class IoApicExtIntPathTests
{
    [Theory]
    [InlineData(0x01, 0, 2)] // normal EOI (the handler EOIs the 8259): both edges delivered, to CPU 0
    [InlineData(0x03, 1, 2)] // AEOI, the entry aimed at CPU 1
    public void Each_edge_on_an_ExtINT_entry_is_acknowledged_on_the_8259_with_its_own_vector(int icw4, int cpu, int count)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: extint-through-ioapic
            kernel: {mode: bare}
            machine: {cpus: 2}
            devices:
              - {name: d3, line: {isa: 3}}
            handlers:
              - {vector: 0x23, do: [{write: {port: 0x20, value: 0x20}}]}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {write: {port: 0x21, value: 0x20}}
              - {write: {port: 0x21, value: 0x04}}
              - {write: {port: 0x21, value: {{{icw4}}}}}
              - {write: {port: 0x21, value: 0xF7}}
              - {write: {ioapic: 0, reg: redir.3, value: {{{((ulong)cpu << 56) | 0x700}}}}}
              - {pulse: d3}
              - {advance: 1us}
              - {pulse: d3}
              - {advance: 1us}
              - {write: {port: 0x20, value: 0x0A}}
              - {read: {port: 0x20, as: irr}}
            """);

        Assert.Equal(count, r.Dispatch.Count);
        Assert.All(r.Dispatch, d => Assert.Equal(("vector_0x23", 0x23, cpu), (d.Handler, d.Vector, d.Cpu)));
        Assert.Equal(new long[] { 0, 1000 }, r.Dispatch.Select(d => d.TimeNs).ToArray());
        Assert.Equal(0UL, r.Reads.Single(x => x.Key == "irr").Value.Scalar);
    }
}
