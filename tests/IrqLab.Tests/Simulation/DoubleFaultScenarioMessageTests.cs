using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// An <c>exception</c> step with vector 8 in linux mode reaches <c>exc_double_fault</c> (arch/x86/kernel/traps.c), whose
/// <c>pr_emerg("PANIC: double fault, error_code: 0x%lx\n")</c> goes through traps.c's
/// <c>#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt</c> (KBUILD_MODNAME "traps"): dmesg shows "traps: PANIC: double fault,
/// error_code: 0x0". The <c>die()</c> header that follows is <c>__die_header()</c>'s raw <c>printk</c> (dumpstack.c), with
/// no prefix but "Oops: " from 6.10. Pinned on the run's <c>messages</c>, the JSON a scenario is judged on.
/// </summary>
public sealed class DoubleFaultScenarioMessageTests
{
    [Theory]
    [InlineData("6.1", "idt", "double fault: 0000 [#1] SMP NOPTI")]
    [InlineData("6.6", "idt", "double fault: 0000 [#1] SMP NOPTI")]
    [InlineData("6.9", "fred", "double fault: 0000 [#1] SMP NOPTI")]
    [InlineData("6.10", "idt", "Oops: double fault: 0000 [#1] SMP NOPTI")]
    [InlineData("latest", "fred", "Oops: double fault: 0000 [#1] SMP NOPTI")]
    public void Double_fault_panic_line_carries_the_traps_pr_fmt_prefix(string version, string delivery, string header)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: df
            kernel: {version: "{{{version}}}", delivery: {{{delivery}}}}
            machine: {cpus: 2}
            steps:
              - {exception: {cpu: 0, vector: 8, error_code: 0}}
            """);

        Assert.Equal(
            [("emerg", "traps: PANIC: double fault, error_code: 0x0"), ("warning", header)],
            r.Messages.Select(m => (m.Level, m.Text)));
    }
}
