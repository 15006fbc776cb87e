using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The detail of a register <c>{expect: {TARGET, equals}}</c> (SCENARIOS.md §7: "the register, read now") names the target
/// as the scenario wrote it, so that <c>irqlab check</c> says which register failed. The raw forms (<c>msr</c>, <c>mmio</c>,
/// <c>port</c>, <c>ioapic</c>) printed only "cpu 0 : expected ..." with no register at all, and a port or IOAPIC
/// register, which belongs to no CPU, was put on CPU 0.
/// </summary>
public sealed class ExpectRegisterDetailTests
{
    [Theory]
    [InlineData("{cpu: 1, reg: apic.tpr, equals: 1}", "cpu 1 apic.tpr: expected 1, got 0")]
    [InlineData("{cpu: 1, msr: 0x1B, equals: 0}", "cpu 1 msr 0x1b: expected 0, got 4276094976")]
    [InlineData("{cpu: 1, mmio: 0xFEE00020, equals: 0}", "cpu 1 mmio 0xfee00020: expected 0, got 16777216")]
    [InlineData("{mmio: 0xFEE00080, equals: 1}", "cpu 0 mmio 0xfee00080: expected 1, got 0")]
    [InlineData("{port: 0x21, equals: 1}", "port 0x21: expected 1, got 0")]
    [InlineData("{ioapic: 0, reg: redir.2, equals: 0}", "ioapic 0 redir.2: expected 0, got 65536")]
    public void Failed_register_expect_names_its_target(string expect, string detail)
    {
        var r = Sim.Run($$"""
            irqlab: 1
            name: expect-detail
            kernel: {mode: bare}
            machine: {cpus: 2}
            steps:
              - {expect: {{expect}}}
            """);

        var e = Assert.Single(r.Expects);
        Assert.False(e.Ok);
        Assert.Equal(detail, e.Detail);
    }
}
