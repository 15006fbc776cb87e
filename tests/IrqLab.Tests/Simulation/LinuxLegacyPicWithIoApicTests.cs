using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Linux on a machine with an IO-APIC and the 8259 pair: the legacy irqs 0-15 start on the 8259 (<c>init_ISA_irqs()</c>,
/// <c>init_8259A(0)</c>) and the IO-APIC takes them over in <c>setup_IO_APIC()</c>, whose <c>check_timer()</c>
/// (arch/x86/kernel/apic/io_apic.c, 6.1 to newest) masks LVT0 and initializes the 8259 once more with
/// <c>legacy_pic-&gt;init(1)</c>: the master is left in auto-EOI mode.
/// </summary>
public sealed class LinuxLegacyPicWithIoApicTests
{
    /// <summary>
    /// A scenario that opens LINT0 as ExtINT and an 8259 line behind the kernel's back sees the master in AEOI mode, as
    /// <c>check_timer()</c> left it (ICW4 = MASTER_ICW4_DEFAULT | PIC_ICW4_AEOI): no ISR bit stays set after the INTA,
    /// so the second edge of IRQ3 is taken as well (with normal EOI nobody would EOI the 8259 and IR3 would block it).
    /// </summary>
    [Theory]
    [InlineData("6.1")]
    [InlineData("6.10")]
    [InlineData("latest")]
    public void The_master_8259_is_left_in_auto_EOI_mode_by_check_timer_io_apic_c(string version)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: legacy-pic-aeoi
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 1}
            devices:
              - {name: ser, line: {isa: 3}, handler: {returns: handled, cost: 1us}}
            steps:
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: 0x700}}
              - {write: {port: 0x21, value: 0xF7}}
              - {pulse: ser}
              - {advance: 10us}
              - {pulse: ser}
              - {advance: 10us}
              - {write: {port: 0x20, value: 0x0B}}
              - {read: {port: 0x20, as: master_isr}}
            """);

        Assert.Equal(0UL, Sim.Read(r, "master_isr").Scalar);
        Assert.Equal(2, r.Dispatch.Count(d => d.Vector == 0x33));
        Assert.Equal(2UL, Sim.Count(r, "3", 0)); // the IO-APIC pin delivers each edge as well
    }

    /// <summary>
    /// CPU 0's ISA_IRQ_VECTOR(i) slots, filled by <c>init_IRQ()</c>, hold VECTOR_SHUTDOWN once <c>setup_IO_APIC_irqs()</c>
    /// has taken the legacy irqs of IO-APIC 0 over (<c>vector_configure_legacy()</c> → <c>clear_irq_vector()</c>,
    /// arch/x86/kernel/apic/vector.c): the first stray interrupt there is dropped silently by <c>common_interrupt</c>,
    /// which resets the slot to VECTOR_UNUSED, and only the next one reports "No irq handler". Other CPUs never had the
    /// slot (<c>__setup_vector_irq()</c> returns VECTOR_UNUSED for an irq in <c>io_apic_irqs</c>).
    /// </summary>
    [Theory]
    [InlineData("6.1", "ISA_IRQ_VECTOR(3)")]
    [InlineData("6.10", "ISA_IRQ_VECTOR(15)")]
    [InlineData("latest", "0x30")]
    public void CPU_0s_released_legacy_vectors_start_as_VECTOR_SHUTDOWN_vector_configure_legacy(string version, string vector)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: legacy-vector-shutdown
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 2}
            steps:
              - {ipi: {from: 0, to: self, vector: "{{{vector}}}"}}
              - {advance: 1us}
              - {ipi: {from: 0, to: self, vector: "{{{vector}}}"}}
              - {advance: 1us}
              - {ipi: {from: 1, to: self, vector: "{{{vector}}}"}}
              - {advance: 1us}
            """);

        Assert.Equal(3, r.Dispatch.Count);
        var lines = r.Messages.Where(m => m.Text.Contains("No irq handler", StringComparison.Ordinal)).ToArray();
        Assert.Equal(new[] { (1000L, 0), (2000L, 1) }, lines.Select(m => (m.TimeNs, m.Cpu)).ToArray());
    }

    /// <summary>
    /// ISA_IRQ_VECTOR(2) stays irq 2's on every CPU: the cascade is never routed to the IO-APIC (<c>PIC_IRQS</c>), so
    /// <c>init_IRQ()</c> (CPU 0) and <c>__setup_vector_irq()</c> (the others) install its 8259 descriptor. It has no action
    /// (no "cascade" request with an IO-APIC) and after <c>check_timer()</c>'s <c>init_8259A(1)</c> the chip's
    /// irq_mask_ack is <c>disable_8259A_irq</c> (arch/x86/kernel/i8259.c), so <c>handle_level_irq()</c> masks it, finds no
    /// action and leaves it pending: no "spurious 8259A interrupt" check, no message, and no local APIC EOI, the XT-PIC
    /// chip having none, so the vector stays in service.
    /// </summary>
    [Theory]
    [InlineData("6.6")]
    [InlineData("latest")]
    public void ISA_IRQ_VECTOR_2_reaches_the_actionless_8259_irq_2_on_every_cpu_lapic_online(string version)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: legacy-vector-cascade
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 2}
            steps:
              - {ipi: {from: 0, to: self, vector: 0x32}}
              - {advance: 1us}
              - {ipi: {from: 1, to: self, vector: 0x32}}
              - {advance: 1us}
              - {read: {cpu: 0, reg: apic.isr, as: isr0}}
              - {read: {cpu: 1, reg: apic.isr, as: isr1}}
              - {read: {port: 0x21, as: imr}}
            """);

        Assert.Equal(new[] { (0, 2), (1, 2) }, r.Dispatch.Select(d => (d.Cpu, d.Irq ?? -1)).ToArray());
        Assert.Empty(r.Messages);
        Assert.False(Sim.HasRow(r, "2"));
        Assert.Equal(new[] { 0x32 }, Sim.Read(r, "isr0").List);
        Assert.Equal(new[] { 0x32 }, Sim.Read(r, "isr1").List);
        Assert.Equal(0xFFUL, Sim.Read(r, "imr").Scalar);
    }
}
