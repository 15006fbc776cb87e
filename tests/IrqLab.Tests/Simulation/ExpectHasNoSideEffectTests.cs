using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// An <c>expect</c> on a register reads it "now" (SCENARIOS.md §7) and only looks: <c>run</c> ignores expects, so
/// they must not change the run (§7: "ignored by run, which still records them"; docs/simulation.md: "An expect on a
/// register only looks: it never faults"). The raw targets did have effects: an <c>msr</c> expect of an MSR whose
/// RDMSR faults raised #GP on the CPU (running its handler, or #NP/#DF/a triple fault in bare mode), an <c>mmio</c>
/// expect of a reserved xAPIC offset set ESR bit 7 (Illegal Register Address, SDM Vol. 3A §11.5.3), and a <c>port</c>
/// expect after an OCW3 poll command acknowledged the 8259's request (8259A datasheet, poll command).
/// </summary>
public sealed class ExpectHasNoSideEffectTests
{
    [Theory]
    [InlineData("x2apic", "{cpu: 0, msr: 0x80B, equals: 0}")]   // x2APIC EOI is write-only: RDMSR #GP (SDM Table 11-6)
    [InlineData("x2apic", "{cpu: 0, msr: 0x17A, equals: 0}")]   // an MSR the model lacks: RDMSR #GP
    [InlineData("xapic", "{cpu: 0, msr: 0x17A, equals: 0}")]    // the same in xAPIC mode
    public void Msr_expect_raises_no_exception(string apic, string expect)
    {
        // No handler for #GP: a fault would go #GP -> #NP -> #DF -> triple fault (SDM Table 6-5).
        var r = Sim.Run($$$"""
            irqlab: 1
            name: expect-msr
            kernel: {mode: bare}
            machine: {cpus: 1, apic: {{{apic}}}}
            steps:
              - {expect: {{{expect}}}}
              - {expect: {handlers: []}}
            """);

        Assert.All(r.Expects, e => Assert.True(e.Ok, e.Detail));
        Assert.Empty(r.Dispatch);
        Assert.Empty(r.Faults);
    }

    [Fact]
    public void Mmio_expect_of_a_reserved_offset_sets_no_esr_bit()
    {
        // Offset 0x010 is reserved (SDM Table 11-1); a write to ESR latches the errors collected so far (§11.5.3).
        var r = Sim.Run("""
            irqlab: 1
            name: expect-mmio
            kernel: {mode: bare}
            machine: {cpus: 1}
            steps:
              - {expect: {cpu: 0, mmio: 0xFEE00010, equals: 0}}
              - {write: {cpu: 0, reg: apic.esr, value: 0}}
              - {expect: {cpu: 0, reg: apic.esr, equals: 0}}
              - {read: {cpu: 0, mmio: 0xFEE00010, as: reserved}}
              - {write: {cpu: 0, reg: apic.esr, value: 0}}
              - {expect: {cpu: 0, reg: apic.esr, equals: 0x80}}
            """);

        Assert.All(r.Expects, e => Assert.True(e.Ok, e.Detail));
    }

    [Fact]
    public void Port_expect_after_a_poll_command_does_not_acknowledge()
    {
        // ICW1-4 for the master (vector base 0x20, slave on IR2, 8086 mode), IMR 0; IRQ 1 raised; OCW3 poll (0x0C).
        var r = Sim.Run("""
            irqlab: 1
            name: expect-poll
            kernel: {mode: bare}
            machine: {cpus: 1}
            devices:
              - {name: kbd, line: {isa: 1}}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {write: {port: 0x21, value: 0x20}}
              - {write: {port: 0x21, value: 0x04}}
              - {write: {port: 0x21, value: 0x01}}
              - {write: {port: 0x21, value: 0x00}}
              - {raise: kbd}
              - {write: {port: 0x20, value: 0x0C}}
              - {expect: {port: 0x20, equals: 0x81}}
              - {read: {port: 0x20, as: poll}}
              - {expect: {read: poll, equals: 0x81}}
            """);

        Assert.All(r.Expects, e => Assert.True(e.Ok, e.Detail));
    }
}
