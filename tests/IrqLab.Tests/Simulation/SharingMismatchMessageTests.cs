using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A refused share (kernel/irq/manage.c <c>__setup_irq()</c>, "mismatch" path) prints "Flags mismatch irq %d. %08x (%s)
/// vs. %08x (%s)" once, and the driver's request_irq() fails with -EBUSY: the run's messages hold the kernel line once and
/// then the driver's failure, not the kernel line a second time.
/// </summary>
public sealed class SharingMismatchMessageTests
{
    [Theory]
    [InlineData("{isa: 5}", "{ioapic: 0, pin: 5}", 5, "00000001", "00000001")]
    [InlineData("{isa: 0}", "{ioapic: 0, pin: 2}", 0, "00000001", "00000001")] // ISA 0 is GSI 2 (the PC override)
    public void Flags_mismatch_is_logged_once_then_the_request_irq_failure_manage_c(string lineA, string lineB, int irq, string newFlags, string oldFlags)
    {
        var r = Sim.Run($$"""
            irqlab: 1
            name: mismatch
            machine: {cpus: 1}
            devices:
              - name: a
                line: {{lineA}}
              - name: b
                line: {{lineB}}
            """);
        Assert.Equal(
            [$"Flags mismatch irq {irq}. {newFlags} (b) vs. {oldFlags} (a)", $"b: request_irq({irq}) failed: -EBUSY (-16)"],
            r.Messages.Select(m => m.Text));
        Assert.All(r.Messages, m => Assert.Equal("err", m.Level));
    }
}
