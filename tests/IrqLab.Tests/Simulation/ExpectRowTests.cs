using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// <c>{expect: {row, cpu, ...}}</c> (SCENARIOS.md §7) reads a count of the model's /proc/interrupts, which holds "only rows
/// that the kernel would print for this config" (§10 <c>interrupts</c>). A row the model knows but this kernel and config
/// do not print, or an irq nobody requested, is not a count of 0: the expect fails and says why (fuzz finding 1, where
/// such expects passed with "got 0").
/// </summary>
public sealed class ExpectRowTests
{
    private static (bool Ok, string Detail) Expect(string kernel, string devices, string row, string bound = "equals: 0")
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: rows
            kernel: {{{kernel}}}
            devices: {{{devices}}}
            steps:
              - {expect: {row: '{{{row}}}', cpu: 0, {{{bound}}}}}
            """);
        var e = Assert.Single(r.Expects);
        return (e.Ok, e.Detail);
    }

    /// <summary>PIN/NPI/PIW are printed under CONFIG_HAVE_KVM (arch_show_interrupts); without it there is no such row.</summary>
    [Fact]
    public void Posted_interrupt_row_without_HAVE_KVM_fails()
    {
        var (ok, detail) = Expect("{config: {HAVE_KVM: false}}", "[]", "PIN");

        Assert.False(ok);
        Assert.Equal("row PIN is not in /proc/interrupts for this kernel and config", detail);
    }

    /// <summary>The same row with the option on (the default) is printed and reads its count.</summary>
    [Fact]
    public void Posted_interrupt_row_with_HAVE_KVM_reads_the_count()
    {
        var (ok, detail) = Expect("{}", "[]", "PIN");

        Assert.True(ok, detail);
        Assert.Equal("row PIN cpu 0: expected = 0, got 0", detail);
    }

    /// <summary>show_interrupts prints an irq only when it has an action (6.1-6.10: or a nonzero count); no device on pin 14.</summary>
    [Theory]
    [InlineData("6.1")]
    [InlineData("latest")]
    public void Irq_row_with_no_device_fails(string version)
    {
        var (ok, detail) = Expect($"{{version: \"{version}\"}}", "[{name: a, line: {pin: 3}}]", "14", "at_most: 0");

        Assert.False(ok);
        Assert.Equal("row 14 is not in /proc/interrupts: no action is registered on irq 14", detail);
    }

    /// <summary>A requested irq is printed (with its action) even before it fires.</summary>
    [Fact]
    public void Irq_row_of_a_device_reads_the_count()
    {
        var (ok, detail) = Expect("{}", "[{name: a, line: {pin: 3}}]", "3");

        Assert.True(ok, detail);
    }

    /// <summary>
    /// The table-driven format (latest) prints SPU only once its count is nonzero; the row exists for the config, so a zero
    /// count is read as 0 (docs/scenario-loader.md), not as a missing row.
    /// </summary>
    [Fact]
    public void Row_skipped_while_zero_in_the_latest_format_reads_zero()
    {
        var (ok, detail) = Expect("{version: latest}", "[]", "SPU");

        Assert.True(ok, detail);
    }

    /// <summary>Bare mode has no kernel model, hence no /proc/interrupts (§3 mode bare).</summary>
    [Fact]
    public void Row_in_bare_mode_fails()
    {
        var (ok, detail) = Expect("{mode: bare}", "[]", "LOC");

        Assert.False(ok);
        Assert.Equal("row LOC is not in /proc/interrupts: bare mode has no kernel", detail);
    }
}
