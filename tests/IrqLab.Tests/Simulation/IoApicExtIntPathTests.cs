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
        Assert.Equal(0UL, Sim.Read(r, "irr").Scalar);
    }

    /// <summary>
    /// An ExtINT message is an edge that does not look at the 8259's INT: the CPU runs the INTA cycle it stands for (SDM
    /// Vol. 3A §11.5.1, LVT delivery mode ExtINT: "A special INTA bus cycle corresponding to ExtINT, is routed to the
    /// external controller"; 82093AA datasheet §3.2.4, delivery mode 111), and an 8259 with no unmasked request answers it with
    /// IR7 without setting ISR7 (8259A datasheet: "If no interrupt request is present ... the 8259A will issue an
    /// interrupt level 7"). The model used to drop a message that arrived while INT was low, though the same message
    /// whose request went away after it already got IR7.
    /// </summary>
    [Theory]
    [InlineData("{name: d3, line: {isa: 3}}", 0x08, "pulse")] // IO-APIC entry 3 sends on the edge; IRQ3 masked in the 8259
    [InlineData("{name: d3, msi: {address: 0xFEE00000, data: 0x0700}}", 0x00, "raise")] // ExtINT MSI, no 8259 request
    public void An_ExtINT_message_with_no_8259_request_gets_the_spurious_IR7_vector(string device, int imr, string op)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: extint-message-spurious-ir7
            kernel: {mode: bare}
            machine: {cpus: 1}
            devices:
              - {{{device}}}
            handlers:
              - {vector: 0x23, do: [{write: {port: 0x20, value: 0x20}}]}
              - {vector: 0x27, do: [{write: {port: 0x20, value: 0x0B}}, {read: {port: 0x20, as: isr}}]}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {write: {port: 0x21, value: 0x20}}
              - {write: {port: 0x21, value: 0x04}}
              - {write: {port: 0x21, value: 0x01}}
              - {write: {port: 0x21, value: {{{imr}}}}}
              - {write: {ioapic: 0, reg: redir.3, value: 0x700}}
              - {{{{op}}}: d3}
              - {advance: 1us}
            """);

        Assert.Equal(("vector_0x27", 0x27, 0), r.Dispatch.Select(d => (d.Handler, d.Vector, d.Cpu)).Single());
        Assert.Equal(0UL, Sim.Read(r, "isr").Scalar);
    }

    /// <summary>
    /// The INTA an ExtINT message stands for stays owed when the request behind it goes away before the CPU can take it,
    /// also while LVT LINT0 is programmed ExtINT (masked, as Linux leaves it; or unmasked and then masked): only the
    /// level-sensitive LINT0 request follows the 8259's INT (SDM Vol. 3A §11.5.1), the message is an edge. The
    /// 8259 answers the late INTA with IR7 (8259A datasheet). The model withdrew the message as if LINT0 had
    /// presented it.
    /// </summary>
    [Theory]
    [InlineData(0x10700, "{lower: d5}")] // LINT0 ExtINT masked; the level (ELCR) line drops before the INTA
    [InlineData(0x00700, "{write: {cpu: 0, reg: apic.lvt.lint0, value: 0x10700}}")] // LINT0 unmasked ExtINT, then masked
    public void An_ExtINT_message_is_not_withdrawn_with_the_LINT0_request(int lint0, string between)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: extint-message-latched
            kernel: {mode: bare}
            machine: {cpus: 1}
            devices:
              - {name: d5, line: {isa: 5, trigger: level}}
            handlers:
              - {vector: 0x25, do: [{lower: d5}, {write: {port: 0x20, value: 0x20}}]}
              - {vector: 0x27, do: [{lower: d5}]}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {write: {port: 0x21, value: 0x20}}
              - {write: {port: 0x21, value: 0x04}}
              - {write: {port: 0x21, value: 0x01}}
              - {write: {port: 0x4D0, value: 0x20}}
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: {{{lint0}}}}}
              - {write: {ioapic: 0, reg: redir.5, value: 0x700}}
              - {cli: {cpu: 0}}
              - {raise: d5}
              - {{{between}}}
              - {lower: d5}
              - {sti: {cpu: 0}}
              - {advance: 1us}
            """);

        Assert.Equal(("vector_0x27", 0x27), r.Dispatch.Select(d => (d.Handler, d.Vector)).Single());
    }
}
