using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A wired device's idle level exists from reset: an active-low line rests high before any redirection entry is
/// programmed. The 82093AA recognizes an edge-triggered input only on its asserting transition, so a line that was
/// never driven through one raises nothing, even under the reset RTE (edge, active high, masked) that reads a high
/// wire as asserted. docs/simulation.md "Accounting": raised = delivered + coalesced + pending + masked + dropped.
/// </summary>
public sealed class IdleLineAtResetTests
{
    private static string Scenario(string polarity, string trigger, string rte) => $$$"""
        irqlab: 1
        name: idle-line
        kernel: {mode: bare}
        machine: {cpus: 1}
        devices:
          - name: dev
            line: {ioapic: 0, pin: 5, trigger: {{{trigger}}}, polarity: {{{polarity}}}}
        handlers:
          - {vector: 0x41, do: [eoi]}
        steps:
          - {write: {ioapic: 0, reg: redir.5, value: {{{rte}}}}}
          - {advance: 2us}
        """;

    [Theory]
    [InlineData("low", "level", "0xA041")]   // level, active low, unmasked: matches the device
    [InlineData("low", "edge", "0x2041")]    // edge, active low, unmasked
    [InlineData("low", "edge", "0x0041")]    // edge, active high: the high idle wire is no edge
    [InlineData("high", "edge", "0x0041")]
    public void An_idle_line_raises_nothing_before_or_after_its_entry_is_programmed(string polarity, string trigger, string rte)
    {
        var r = Sim.Run(Scenario(polarity, trigger, rte));

        Assert.Empty(r.Dispatch);
        Assert.Equal((0L, 0L, 0L), (r.Stats.Raised, r.Stats.Delivered, r.Stats.Dropped));
    }
}
