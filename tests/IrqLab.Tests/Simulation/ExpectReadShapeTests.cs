using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// <c>{expect: {read: X, equals: V}}</c> holds when the value recorded last as X equals V (SCENARIOS.md §7), as the
/// output's <c>reads</c> shows it: a number for most registers, a JSON array of vectors for apic.isr/.tmr/.irr. A name
/// that both kinds of register record takes either form of <c>equals</c> at load, and a number matched a one-vector
/// list: <c>equals: 0x41</c> held on <c>[65]</c> (while <c>equals: 0</c> failed on <c>[]</c>), so the expect passed on a
/// value of the other shape.
/// </summary>
public sealed class ExpectReadShapeTests
{
    [Theory]
    [InlineData("[0x41]", true)]
    [InlineData("0x41", false)] // [65] is a list, not the number 65
    [InlineData("[]", false)]
    [InlineData("0", false)]
    public void Equals_matches_the_recorded_value_and_its_shape(string equals, bool ok)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: expect-read-shape
            kernel: {mode: bare}
            machine: {cpus: 1}
            handlers:
              - {vector: 0x41, do: [{read: {reg: apic.isr, as: x}}, eoi]}
            steps:
              - {read: {cpu: 0, reg: apic.tpr, as: x}}
              - {ipi: {to: self, vector: 0x41}}
              - {expect: {read: x, equals: {{{equals}}}}}
            """);

        var e = Assert.Single(r.Expects);
        Assert.Equal(ok, e.Ok);
        Assert.EndsWith("got [65]", e.Detail, StringComparison.Ordinal);
    }
}
