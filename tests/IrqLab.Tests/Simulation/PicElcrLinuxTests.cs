using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Linux without an IO-APIC registers a level-sensitive legacy GSI through <c>acpi_register_gsi_pic()</c>
/// (arch/x86/kernel/acpi/boot.c), which calls <c>elcr_set_level_irq()</c> (arch/x86/pci/irq.c): "PCI: setting IRQ %u
/// as level-triggered" once per irq at KERN_DEBUG, and the irq's ELCR bit (0x4D0/0x4D1) so the 8259 senses the line
/// by level. A level line whose driver never handles it then storms until note_interrupt() disables it, as on an
/// IO-APIC; an edge line leaves the ELCR alone.
/// </summary>
public sealed class PicElcrLinuxTests
{
    [Theory]
    [InlineData("6.1", 10, "level", 0x4D1, 0x04)]
    [InlineData("6.6", 11, "level", 0x4D1, 0x08)]
    [InlineData("latest", 5, "level", 0x4D0, 0x20)]
    [InlineData("latest", 5, "edge", 0x4D0, 0x00)]
    public void A_level_legacy_irq_is_set_level_triggered_in_the_ELCR_pci_irq_c_elcr_set_level_irq(string version, int isa, string trigger, int port, int elcr)
    {
        // Two sharers of a level line: the second registration does not report the irq again (elcr_irq_mask).
        var shared = trigger == "level" ? ", shared: true" : string.Empty;
        var second = trigger == "level" ? $"- {{name: b, line: {{isa: {isa}, trigger: level}}, shared: true, handler: {{returns: handled, cost: 1us}}}}" : string.Empty;
        var r = Sim.Run($$$"""
            irqlab: 1
            name: pic-elcr
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 1, ioapics: []}
            devices:
              - {name: a, line: {isa: {{{isa}}}, trigger: {{{trigger}}} }{{{shared}}}, handler: {returns: handled, cost: 1us}}
              {{{second}}}
            steps:
              - {read: {port: {{{port}}}, as: elcr}}
            """);

        Assert.Equal((ulong)elcr, Sim.Read(r, "elcr").Scalar);
        var expected = trigger == "level" ? new[] { $"PCI: setting IRQ {isa} as level-triggered" } : [];
        Assert.Equal(expected, r.Messages.Select(m => m.Text).ToArray());
        Assert.All(r.Messages, m => Assert.Equal("debug", m.Level));
    }

    [Fact]
    public void A_level_legacy_line_nobody_handles_storms_until_note_interrupt_disables_it()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: pic-level-storm
            kernel: {version: latest}
            machine: {cpus: 1, ioapics: []}
            devices:
              - {name: a, line: {isa: 10, trigger: level, polarity: low}, shared: true, handler: {returns: none, cost: 100ns}}
            steps:
              - {raise: a}
            """);

        Assert.Equal(100000UL, Sim.Count(r, "10", 0));
        Assert.Contains(r.Messages, m => m.Text == "irq 10: nobody cared (try booting with the \"irqpoll\" option)");
        Assert.Contains(r.Messages, m => m.Text == "Disabling IRQ #10");
    }
}
