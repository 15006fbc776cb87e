using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A refused share (kernel/irq/manage.c <c>__setup_irq()</c>, "mismatch" path) prints "Flags mismatch irq %d. %08x (%s)
/// vs. %08x (%s)" once, through <c>pr_err()</c> and so with manage.c's <c>#define pr_fmt(fmt) "genirq: " fmt</c> in
/// front (as every dmesg shows it: "genirq: Flags mismatch irq 16. ..."), and the driver's request_irq() fails with -EBUSY: the run's messages hold the kernel line once and
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
            [$"genirq: Flags mismatch irq {irq}. {newFlags} (b) vs. {oldFlags} (a)", $"b: request_irq({irq}) failed: -EBUSY (-16)"],
            r.Messages.Select(m => m.Text));
        Assert.All(r.Messages, m => Assert.Equal("err", m.Level));
    }

    /// <summary>
    /// The device whose request_irq() failed has no driver: its raise goes nowhere. It counts in <c>raised</c> and
    /// <c>dropped</c> (docs/simulation.md "Accounting"), not in <c>coalesced</c>, which is for an interrupt merged into
    /// one already pending; nothing is delivered.
    /// </summary>
    [Fact]
    public void A_raise_of_a_device_whose_request_failed_is_dropped()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: mismatch-raise
            machine: {cpus: 1}
            devices:
              - name: a
                line: {isa: 5}
              - name: b
                line: {ioapic: 0, pin: 5}
            steps: [{raise: b}, {advance: 1us}]
            """);

        Assert.Equal((1L, 0L, 0L, 1L), (r.Stats.Raised, r.Stats.Delivered, r.Stats.Coalesced, r.Stats.Dropped));
    }
}
