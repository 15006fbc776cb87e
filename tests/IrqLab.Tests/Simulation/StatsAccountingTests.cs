using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// <c>stats</c> (extension keys beside SCENARIOS.md §10's <c>events</c> and <c>wall_ms</c>, docs/simulation.md
/// "Accounting"): where every interrupt a source sent ended, <c>raised = delivered + coalesced + pending + masked +
/// dropped</c>. Interrupts no local APIC accepted count in <c>raised</c> too: an IPI or MSI to an APIC ID no CPU has,
/// an edge on a masked IO-APIC pin (lost, 82093AA datasheet) — both <c>dropped</c> — and a level line held asserted on
/// a masked pin (<c>masked</c>). Bare mode, no handlers are needed: nothing is delivered.
/// </summary>
public sealed class StatsAccountingTests
{
    [Theory]
    // Physical destination 7 on a 2-CPU machine: no APIC matches (SDM Vol. 3A 11.6.2.1).
    [InlineData("[]", "{ipi: {to: {physical: 0x07}, vector: 0x41}}", 1, 0, 1)]
    [InlineData("[{name: m0, msi: {address: 0xFEE07000, data: 0x41}}]", "{raise: m0}", 1, 0, 1)]
    // The reset redirection entry is masked and edge-triggered (82093AA §3.2.4): the edge is lost.
    [InlineData("[{name: e0, line: {ioapic: 0, pin: 6}}]", "{raise: e0}", 1, 0, 1)]
    // A level entry programmed masked (bit 16) keeps the asserted line waiting in the IO-APIC.
    [InlineData("[{name: l0, line: {ioapic: 0, pin: 5, trigger: level}}]",
        "{write: {ioapic: 0, reg: redir.5, value: 0x18045}}, {raise: l0}", 1, 1, 0)]
    public void Interrupts_no_apic_accepted_count_in_raised(string devices, string steps, long raised, long masked, long dropped)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: accounting
            kernel: {mode: bare}
            machine: {cpus: 2}
            devices: {{{devices}}}
            steps: [{{{steps}}}]
            """);

        Assert.Equal((raised, 0L, 0L, 0L, masked, dropped),
            (r.Stats.Raised, r.Stats.Delivered, r.Stats.Coalesced, r.Stats.Pending, r.Stats.Masked, r.Stats.Dropped));
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// A raise of a device whose line is already asserted makes no new edge and no new level: it merges into the
    /// assertion already there, <c>coalesced</c> (docs/simulation.md "Accounting": "device line already asserted"),
    /// not <c>dropped</c>. The first raise is held by the masked level entry (<c>masked</c>).
    /// </summary>
    [Fact]
    public void A_raise_of_an_already_asserted_line_is_coalesced_not_dropped()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: accounting-reraise
            kernel: {mode: bare}
            machine: {cpus: 2}
            devices: [{name: l0, line: {ioapic: 0, pin: 5, trigger: level}}]
            steps: [{write: {ioapic: 0, reg: redir.5, value: 0x18045}}, {raise: l0}, {raise: l0}]
            """);

        Assert.Equal((2L, 0L, 1L, 0L, 1L, 0L),
            (r.Stats.Raised, r.Stats.Delivered, r.Stats.Coalesced, r.Stats.Pending, r.Stats.Masked, r.Stats.Dropped));
    }
}
