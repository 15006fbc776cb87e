using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// An <c>{advance: 0}</c> runs the machine for no time (SCENARIOS.md §7: "time moves only through advance"), so it must
/// not end boot: the simulator completes setup (<c>fred_complete_exception_setup()</c>, <c>idt_setup_done</c>) "when time
/// first moves" (docs/kernel.md, "Setup and sealing"), and an <c>install</c> step after a zero advance is still an
/// init-time <c>sysvec_install()</c>. The metamorphic audit found the zero advance sealing the table: the install was
/// refused with <c>WARN_ON(idt_setup_done)</c> (or FRED's <c>WARN_ON_ONCE(fred_setup_done)</c>) and the vector ran the
/// spurious handler, where the same file without the zero advance installed it.
/// </summary>
public sealed class ZeroAdvanceSetupTests
{
    [Theory]
    [InlineData("6.6", "idt")]
    [InlineData("6.10", "idt")]
    [InlineData("latest", "fred")]
    public void Install_after_a_zero_advance_is_an_init_time_install(string version, string delivery)
    {
        string Scenario(string zeroAdvance) => $$$"""
            irqlab: 1
            name: install-after-zero-advance
            kernel: {mode: linux, version: "{{{version}}}", delivery: {{{delivery}}}}
            machine: {cpus: 1}
            steps:
            {{{zeroAdvance}}}
              - {install: {vector: 0xEF, handler: sysvec_custom}}
              - {advance: 1us}
              - {ipi: {from: 0, to: self, vector: 0xEF}}
            run: {until: 10us}
            """;

        var plain = Sim.Run(Scenario(string.Empty));
        var zero = Sim.Run(Scenario("  - {advance: 0}\n  - {advance: 0ns}"));

        Assert.Empty(zero.Messages);
        Assert.Equal("sysvec_custom", Assert.Single(zero.Dispatch).Handler);
        Assert.Equal(plain.Dispatch.Select(d => d.Handler), zero.Dispatch.Select(d => d.Handler));
    }

    [Fact]
    public void Install_after_an_advance_that_moves_time_is_still_refused()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: install-after-advance
            kernel: {mode: linux, version: "6.6"}
            machine: {cpus: 1}
            steps:
              - {advance: 1ns}
              - {install: {vector: 0xEF, handler: sysvec_custom}}
            run: {until: 10us}
            """);

        Assert.Contains(r.Messages, m => m.Text.Contains("WARN_ON(idt_setup_done)", StringComparison.Ordinal));
    }
}
