using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Linux masks and unmasks an IO-APIC line from its own copy of the redirection entry
/// (arch/x86/kernel/apic/io_apic.c <c>io_apic_modify_irq()</c>: <c>data-&gt;entry.masked = masked</c>, then
/// <c>io_apic_write(apic, 0x10 + 2 * pin, data-&gt;entry.w1)</c>): the low dword is rewritten whole and the hardware's is
/// never read back. A scenario that changed the low dword behind the kernel's back (here: delivery mode lowest priority,
/// which on one CPU reaches the same APIC) loses that change when note_interrupt() has disabled the storming irq and
/// handle_fasteoi_irq() masks it; the high dword (destination) is not written.
/// </summary>
public sealed class IoApicCachedEntryLinuxTests
{
    [Fact]
    public void Masking_writes_the_kernels_copy_of_the_low_dword_io_apic_c_io_apic_modify_irq()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: ioapic-cached-entry
            kernel: {version: "6.6"}
            machine: {cpus: 1}
            devices:
              - {name: flaky, line: {ioapic: 0, pin: 10, trigger: level, polarity: low}, handler: {returns: none}}
            steps:
              - {read: {ioapic: 0, reg: redir.10, as: linux}}
              - {write: {ioapic: 0, reg: redir.10, value: 0x010000000000A920}}   # the kernel's entry (vector 0x20, logical 0x01) with delivery mode 001
              - {read: {ioapic: 0, reg: redir.10, as: scenario}}
              - {raise: flaky}
              - {read: {ioapic: 0, reg: redir.10, as: disabled}}
            """);

        ulong Read(string key) => Sim.Read(r, key).Scalar;
        var linux = Read("linux");
        Assert.Equal(0xA800UL, linux & 0xFFFF_FF00UL);                      // level, active low, fixed, logical, unmasked
        Assert.Equal(linux | 0x100, Read("scenario"));                       // lowest priority, written by the scenario
        Assert.Contains(r.Messages, m => m.Text == "Disabling IRQ #10");
        Assert.Equal(linux | (1UL << 16), Read("disabled") & ~(1UL << 14)); // Linux's copy, masked (remote IRR aside)
    }
}
