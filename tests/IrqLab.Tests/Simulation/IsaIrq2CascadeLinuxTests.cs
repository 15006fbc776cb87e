using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// An ISA device on IRQ 2 of a machine with the 8259 and no IO-APIC: <c>native_init_IRQ()</c> (arch/x86/kernel/irqinit.c)
/// has requested irq 2 for the "cascade" (<c>no_action</c>, IRQF_NO_THREAD = 0x00010000, not IRQF_SHARED), so the driver's
/// <c>request_irq(2)</c> fails in <c>__setup_irq()</c> (kernel/irq/manage.c) with its own line, "Flags mismatch irq %d.
/// %08x (%s) vs. %08x (%s)", and -EBUSY (SCENARIOS.md §10: the kernel's exact text where it prints one). The model used to
/// log a line of its own ("ISA IRQ 2 is the 8259A cascade; no device can use it").
/// </summary>
public sealed class IsaIrq2CascadeLinuxTests
{
    [Theory]
    [InlineData("6.1", "edge", "00000001")]
    [InlineData("latest", "level", "00000004")]
    public void A_device_on_the_cascade_irq_gets_the_kernels_flags_mismatch_manage_c_setup_irq(string version, string trigger, string flags)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: isa-irq2
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 1, ioapics: []}
            devices:
              - {name: card, line: {isa: 2, trigger: {{{trigger}}}}, handler: {returns: handled}}
            steps:
              - {pulse: card}
              - {advance: 10us}
            """);

        var errors = r.Messages.Where(m => m.Level == "err").Select(m => m.Text).ToArray();
        Assert.Equal(new[] { $"genirq: Flags mismatch irq 2. {flags} (card) vs. 00010000 (cascade)", "card: request_irq(2) failed: -EBUSY (-16)" }, errors);
        Assert.Empty(r.Dispatch);
        Assert.Equal("cascade", r.InterruptRows.Single(x => x.Row == "2").Actions);
    }
}
