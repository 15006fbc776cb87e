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
        Assert.Equal("255", Sim.Read(r, "svr").ToString());
        Assert.NotEqual(0UL, Sim.Read(r, "lvtt").Scalar & (1UL << 16));
        Assert.DoesNotContain(r.Messages, m => m.Text.Contains("did not become idle", StringComparison.Ordinal));
    }

    /// <summary>
    /// <c>stop_this_cpu()</c> → <c>disable_local_APIC()</c> → <c>apic_soft_disable()</c> runs <c>clear_local_APIC()</c>
    /// (arch/x86/kernel/apic/apic.c, 6.1 to newest) before it clears the SPIV enable bit: LVTT, LVT0, LVT1, LVTERR and
    /// LVTPC are written as APIC_LVT_MASKED alone ("clean APIC state for other OSs"), not just masked by the software
    /// disable. So the stopped CPU's timer entry is one-shot vector 0 (the tick's periodic count runs down to 0 and
    /// stays there), LINT0 is no longer ExtINT, LINT1 and LVTPC no longer NMI, LVTERR no longer ERROR_APIC_VECTOR; the
    /// thermal entry (X86_THERMAL_VECTOR) and CMCI only get the mask bit. Through the MMIO page (xAPIC) and the MSRs
    /// (x2APIC) alike.
    /// </summary>
    [Theory]
    [InlineData("6.1", "xapic", "apic.lvt.timer", 0x10000UL)]
    [InlineData("6.1", "xapic", "apic.lvt.lint0", 0x10000UL)]
    [InlineData("6.10", "xapic", "apic.lvt.lint1", 0x10000UL)]
    [InlineData("6.10", "xapic", "apic.lvt.error", 0x10000UL)]
    [InlineData("latest", "xapic", "apic.lvt.pmc", 0x10000UL)]
    [InlineData("latest", "xapic", "apic.lvt.thermal", 0x100FAUL)]
    [InlineData("latest", "xapic", "apic.svr", 0xFFUL)]
    [InlineData("latest", "xapic", "apic.timer.current", 0UL)]
    [InlineData("latest", "x2apic", "apic.lvt.timer", 0x10000UL)]
    [InlineData("latest", "x2apic", "apic.lvt.lint1", 0x10000UL)]
    [InlineData("latest", "x2apic", "apic.lvt.error", 0x10000UL)]
    [InlineData("latest", "x2apic", "apic.timer.current", 0UL)]
    public void Reboot_vector_leaves_the_LVT_as_clear_local_APIC_writes_it_apic_c(string version, string apic, string reg, ulong expected)
    {
        // CPU 0 takes the reboot: its LINT1 is the one unmasked NMI entry (docs/kernel.md). Its thermal entry is unmasked
        // first, to show that clear_local_APIC() only masks it. The tick's count runs down within 1 ms once one-shot.
        var r = Sim.Run($$$"""
            irqlab: 1
            name: reboot-clear-local-apic
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 2, apic: {{{apic}}}}
            workload:
              - {timer: {hz: 1000}}
            steps:
              - {write: {cpu: 0, reg: apic.lvt.thermal, value: 0xFA}}
              - {advance: 1500us}
              - {ipi: {from: 1, to: 0, vector: REBOOT_VECTOR}}
              - {advance: 2ms}
              - {read: {cpu: 0, reg: {{{reg}}}, as: v}}
            run: {until: 4ms}
            """);

        Assert.Contains(r.Dispatch, d => d.Cpu == 0 && d.Handler == "sysvec_reboot");
        Assert.Equal(expected, Sim.Read(r, "v").Scalar);
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

    /// <summary>
    /// A CPU halted for good in <c>stop_this_cpu()</c> keeps its REBOOT_VECTOR frame but runs nothing: a run without
    /// <c>run.until</c> whose queue still holds a periodic generator (CPU 0's periodic LVT timer) ends idle right after
    /// the steps, without the "did not become idle" warning (docs/simulation.md: until only periodic generators are left;
    /// a CPU halted for good in a handler is idle).
    /// </summary>
    [Fact]
    public void A_cpu_halted_in_stop_this_cpu_is_idle_while_a_periodic_timer_runs()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: reboot-idle
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            steps:
              - {write: {cpu: 0, reg: apic.timer.divide, value: 0xB}}
              - {write: {cpu: 0, reg: apic.lvt.timer, value: 0x200EC}}
              - {write: {cpu: 0, reg: apic.timer.initial, value: 1000000}}
              - {ipi: {from: 0, to: 1, vector: REBOOT_VECTOR}}
              - {advance: 1us}
            """);

        Assert.Equal(["sysvec_reboot"], r.Dispatch.Select(d => d.Handler));
        Assert.DoesNotContain(r.Messages, m => m.Text.Contains("did not become idle", StringComparison.Ordinal));
        Assert.Equal(1000L, r.TimeNs);
    }
}
