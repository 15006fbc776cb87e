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

        Assert.Equal(0UL, r.Reads.Single(x => x.Key == "master_isr").Value.Scalar);
        Assert.Equal(2, r.Dispatch.Count(d => d.Vector == 0x33));
        Assert.Equal(2UL, Sim.Count(r, "3", 0)); // the IO-APIC pin delivers each edge as well
    }
}
