using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// <c>machine.pic: false</c> with an <c>{isa: N}</c> device (fuzz finding 9b, which proposed rejecting it). An ISA line is
/// wired to 8259 input N and IOAPIC 0 pin N (docs/simulation.md "Devices and lines"; the MP specification's PC wiring,
/// IRQ 0 to pin 2), so without the 8259 it still reaches a CPU through the IOAPIC: the combination is legal. The loader
/// rejects it only when the machine has no IOAPIC either (errors.txt). In bare mode nothing is programmed for the
/// scenario (every IOAPIC entry is masked at reset, shared/reference/x86-events.md §4.2), so a pulse with no RTE written is dropped, as it is
/// with an uninitialised 8259.
/// </summary>
public sealed class IsaLineWithoutPicTests
{
    /// <summary>Linux mode with an IOAPIC routes legacy IRQs through it (the 8259 stays masked); irq 4 is counted on its IO-APIC row.</summary>
    [Fact]
    public void Linux_mode_delivers_an_isa_line_through_ioapic_pin_n()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: isa-no-pic
            machine: {pic: false}
            devices:
              - {name: a, line: {isa: 4}, handler: {returns: handled}}
            steps:
              - {pulse: a}
              - {advance: 1us}
            """);

        var d = Assert.Single(r.Dispatch);
        Assert.Equal(("common_interrupt", (int?)4), (d.Handler, d.Irq));
        Assert.Equal(1UL, Sim.Count(r, "4", 0));
        Assert.Equal("IO-APIC", r.InterruptRows.Single(x => x.Row == "4").Chip);
    }

    /// <summary>Bare mode: once the scenario programs IOAPIC 0 redirection entry 4, the ISA pulse is delivered.</summary>
    [Fact]
    public void Bare_mode_delivers_an_isa_line_once_the_scenario_programs_the_rte()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: isa-no-pic
            kernel: {mode: bare}
            machine: {pic: false}
            devices:
              - {name: a, line: {isa: 4}}
            handlers:
              - {vector: 0x44, do: [eoi]}
            steps:
              - {write: {ioapic: 0, reg: redir.4, value: 0x44}}
              - {pulse: a}
              - {advance: 1us}
            """);

        var d = Assert.Single(r.Dispatch);
        Assert.Equal(("vector_0x44", 0x44), (d.Handler, d.Vector));
        Assert.Equal((1L, 0L), (r.Stats.Delivered, r.Stats.Dropped));
    }

    /// <summary>Bare mode without an RTE written: the pulse goes nowhere but is accounted for (docs/simulation.md "Accounting").</summary>
    [Fact]
    public void Bare_mode_without_a_programmed_rte_counts_the_pulse_as_dropped()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: isa-no-pic
            kernel: {mode: bare}
            machine: {pic: false}
            devices:
              - {name: a, line: {isa: 4}}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {pulse: a}
              - {read: {port: 0x21, as: imr}}
            """);

        Assert.Empty(r.Dispatch);
        Assert.Equal((1L, 0L), (r.Stats.Raised, r.Stats.Delivered));
        Assert.Null(Sim.Unconserved(r));
        Assert.Equal(0xFFUL, r.Reads.Single().Value.Scalar); // no 8259: the port is undecoded and reads 0xFF
    }
}
