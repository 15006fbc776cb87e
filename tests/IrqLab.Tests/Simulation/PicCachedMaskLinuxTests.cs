using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Linux writes the 8259 IMRs from its <c>cached_irq_mask</c> (arch/x86/kernel/i8259.c <c>mask_8259A_irq</c>,
/// <c>unmask_8259A_irq</c>, <c>mask_and_ack_8259A</c>: <c>outb(cached_master_mask, PIC_MASTER_IMR)</c>), never a
/// read-modify-write of the port. A mask a scenario writes to port 0x21 behind the kernel's back therefore lasts only until
/// the kernel next masks or unmasks a line of the same chip: here IRQ1, masked by the scenario, is opened again when
/// handle_level_irq() masks and unmasks IRQ4, and its latched edge is taken. The slave's IMR is left alone by a master
/// irq (each helper writes only the chip of the irq it touches).
/// </summary>
public sealed class PicCachedMaskLinuxTests
{
    [Theory]
    [InlineData("6.1")]
    [InlineData("latest")]
    public void Kernel_mask_writes_restore_the_cached_IMR_over_a_scenario_write_i8259_c_cached_irq_mask(string version)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: pic-cached-mask
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 1, ioapics: []}
            devices:
              - {name: kbd, line: {isa: 1}, handler: {returns: handled, cost: 1us}}
              - {name: com1, line: {isa: 4}, handler: {returns: handled, cost: 1us}}
              - {name: rtc, line: {isa: 8}, handler: {returns: handled, cost: 1us}}
            steps:
              - {read: {port: 0x21, as: imr_boot}}
              - {write: {port: 0x21, value: 0xEB}}
              - {write: {port: 0xA1, value: 0xFF}}
              - {pulse: kbd}
              - {advance: 5us}
              - {read: {port: 0x21, as: imr_scenario}}
              - {pulse: com1}
              - {advance: 5us}
              - {read: {port: 0x21, as: imr_after}}
              - {read: {port: 0xA1, as: imr_slave}}
            """);

        ulong Read(string key) => Sim.Read(r, key).Scalar;
        Assert.Equal(0xE9UL, Read("imr_boot"));     // irq 1, 2 (cascade) and 4 requested
        Assert.Equal(0xEBUL, Read("imr_scenario")); // IRQ1 masked by the scenario: its edge waits in IRR
        Assert.Equal(0xE9UL, Read("imr_after"));    // cached_master_mask written back by the IRQ4 mask/unmask
        Assert.Equal(0xFFUL, Read("imr_slave"));    // a master irq does not rewrite the slave IMR
        Assert.Equal(new[] { 4, 1 }, r.Dispatch.Select(d => d.Irq ?? -1).ToArray());
        Assert.Equal(1UL, Sim.Count(r, "1", 0));
        Assert.Null(Sim.Unconserved(r));
    }
}
