using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// REBOOT_VECTOR stops the CPU (<c>sysvec_reboot</c> → <c>stop_this_cpu()</c>): its local APIC is software-disabled (SDM
/// Vol. 3A §11.4.7.2: every LVT masked) and it halts with IF = 0, so no later maskable interrupt is taken there; an NMI
/// still is, and returns to the halt loop.
/// </summary>
public sealed class RebootVectorTests
{
    [Theory]
    [InlineData("idt")]
    [InlineData("fred")]
    public void A_cpu_that_took_REBOOT_VECTOR_takes_no_more_interrupts_but_NMIs(string delivery)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: reboot
            kernel: {version: "6.10", delivery: {{{delivery}}}}
            machine: {cpus: 2}
            steps:
              - {ipi: {from: 0, to: 1, vector: REBOOT_VECTOR}}
              - {advance: 1us}
              - {ipi: {from: 0, to: 1, vector: RESCHEDULE_VECTOR}}
              - {ipi: {from: 1, to: 0, vector: RESCHEDULE_VECTOR}}
              - {advance: 1us}
              - {nmi: {cpu: 1}}
              - {advance: 1us}
              - {read: {cpu: 1, reg: apic.svr, as: svr}}
              - {read: {cpu: 1, reg: apic.lvt.timer, as: lvtt}}
            """);

        var cpu1 = r.Dispatch.Where(d => d.Cpu == 1).Select(d => (d.Handler, d.Depth)).ToArray();
        Assert.True(cpu1.SequenceEqual([("sysvec_reboot", 0), ("exc_nmi", 1)]), Sim.Describe(r));
        Assert.Equal(0UL, Sim.Count(r, "RES", 1));
        // The stopped CPU runs no program to write its ICR: the step's IPI is not sent (docs/simulation.md, Shutdown).
        Assert.Equal(0UL, Sim.Count(r, "RES", 0));
        Assert.Contains(r.Messages, m => m.Text.Contains("halted for good by stop_this_cpu()", StringComparison.Ordinal));
        Assert.Equal("255", r.Reads.Single(x => x.Key == "svr").Value.ToString());
        Assert.NotEqual(0UL, r.Reads.Single(x => x.Key == "lvtt").Value.Scalar & (1UL << 16));
        Assert.DoesNotContain(r.Messages, m => m.Text.Contains("did not become idle", StringComparison.Ordinal));
    }

    /// <summary>
    /// <c>stop_this_cpu()</c> takes the CPU out of <c>cpu_online_mask</c> first, and every <c>exc_nmi</c> entry (IDT and
    /// FRED, arch/x86/kernel/nmi.c, 6.1 to newest) returns at once on an offline CPU (<c>arch_cpu_is_offline()</c>),
    /// before <c>inc_irq_stat(__nmi_count)</c>: NMIs that reach the stopped CPU (a platform NMI, an NMI IPI) still enter
    /// <c>exc_nmi</c> but are not counted in its NMI row. An online CPU counts its own as usual.
    /// </summary>
    [Theory]
    [InlineData("6.1", "idt")]
    [InlineData("6.10", "idt")]
    [InlineData("6.10", "fred")]
    [InlineData("latest", "fred")]
    public void NMIs_on_a_cpu_stopped_by_REBOOT_VECTOR_are_not_counted_nmi_c(string version, string delivery)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: reboot-nmi
            kernel: {version: "{{{version}}}", delivery: {{{delivery}}}}
            machine: {cpus: 2}
            steps:
              - {ipi: {from: 0, to: 1, vector: REBOOT_VECTOR}}
              - {advance: 1us}
              - {nmi: {cpu: 1}}
              - {ipi: {from: 0, to: 1, mode: nmi}}
              - {nmi: {cpu: 0}}
              - {advance: 1us}
            """);

        var cpu1 = r.Dispatch.Where(d => d.Cpu == 1).Select(d => d.Handler).ToArray();
        Assert.True(cpu1.SequenceEqual(["sysvec_reboot", "exc_nmi", "exc_nmi"]), Sim.Describe(r));
        Assert.Equal(0UL, Sim.Count(r, "NMI", 1));
        Assert.Equal(1UL, Sim.Count(r, "NMI", 0));

        // default_do_nmi() runs only past that return: the online CPU reports its unclaimed NMI, the stopped one nothing.
        Assert.Equal(
            ["Uhhuh. NMI received for unknown reason 00 on CPU 0."],
            r.Messages.Where(m => m.Text.StartsWith("Uhhuh", StringComparison.Ordinal)).Select(m => m.Text));
    }
}
