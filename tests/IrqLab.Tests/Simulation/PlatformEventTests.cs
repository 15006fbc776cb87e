using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>Platform events of SCENARIOS.md §4 and §10: the NMI watchdog and machine checks.</summary>
public sealed class PlatformEventTests
{
    [Fact]
    public void Nmi_watchdog_fires_every_watchdog_thresh_on_every_cpu_counting_NMI_and_PMI_hw_nmi_c()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: wd
            machine: {cpus: 2, nmi_watchdog: true}
            steps: [{advance: 25s}]
            """);
        Assert.Equal(4, r.Dispatch.Count(d => d.Handler == "exc_nmi"));
        Assert.Equal([2UL, 2UL], r.InterruptRows.Single(x => x.Row == "NMI").Counts);
        Assert.Equal([2UL, 2UL], r.InterruptRows.Single(x => x.Row == "PMI").Counts);
    }

    /// <summary>
    /// The watchdog's counter overflow interrupts through LVT PMC as the CPU's entry says (SDM Vol. 3A §11.5.1: a masked
    /// entry inhibits the interrupt). Linux programs it NMI at boot (setup_local_APIC() → perf_events_lapic_init(),
    /// arch/x86/events/core.c) and re-arms it in perf_event_nmi_handler(); nothing rewrites an entry a scenario masked,
    /// nor the reset entry of a CPU an INIT put in wait-for-SIPI, nor a globally disabled APIC. Before, every tick wrote
    /// LVT PMC = NMI on every CPU, so all of these took the watchdog's NMIs. Steps on CPU 1: NMI and PMI counts over 25 s.
    /// </summary>
    [Theory]
    [InlineData("[]", 2UL)]
    [InlineData("[{write: {cpu: 1, reg: apic.lvt.pmc, value: 0x10400}}]", 0UL)]
    [InlineData("[{ipi: {from: 0, to: 1, mode: init}}]", 0UL)]
    [InlineData("[{write: {cpu: 1, msr: 0x1B, value: 0xFEE00000}}]", 0UL)]
    [InlineData("[{write: {cpu: 1, reg: apic.svr, value: 0xFF}}]", 0UL)]
    public void Nmi_watchdog_interrupts_only_through_an_unmasked_lvt_pmc_SDM_11_5_1_perf_events_lapic_init(string steps, ulong nmis)
    {
        var r = Sim.Run($$"""
            irqlab: 1
            name: wd-masked
            machine: {cpus: 2, nmi_watchdog: true}
            steps: {{steps}}
            run: {until: 25s}
            """);
        Assert.Equal([2UL, nmis], r.InterruptRows.Single(x => x.Row == "NMI").Counts);
        Assert.Equal([2UL, nmis], r.InterruptRows.Single(x => x.Row == "PMI").Counts);
    }

    /// <summary>
    /// LVT PMC in Linux mode: NMI from boot (perf_events_lapic_init() writes APIC_LVTPC = APIC_DM_NMI), masked by the APIC
    /// when it delivers the PMI and unmasked again by the perf NMI handler (x86_pmu_handle_irq() / intel_pmu_handle_irq():
    /// apic_write(APIC_LVTPC, APIC_DM_NMI)). An overflow while the entry is masked raises nothing, but its status stays
    /// set: the next NMI, of any source, runs perf_event_nmi_handler(), which counts it in PMI and re-arms the entry, so
    /// the tick after that interrupts again.
    /// </summary>
    [Fact]
    public void Lvt_pmc_is_nmi_from_boot_and_rearmed_by_the_perf_nmi_handler_arch_x86_events_core_c()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: wd-lvtpc
            machine: {cpus: 1, nmi_watchdog: true}
            steps:
              - {read: {cpu: 0, reg: apic.lvt.pmc, as: boot}}
              - {write: {cpu: 0, reg: apic.lvt.pmc, value: 0x10400}}
              - {advance: 10500ms}
              - {expect: {row: PMI, cpu: 0, equals: 0}}
              - {nmi: {cpu: 0}}
              - {read: {cpu: 0, reg: apic.lvt.pmc, as: after_nmi}}
              - {expect: {row: PMI, cpu: 0, equals: 1}}
              - {advance: 10s}
              - {read: {cpu: 0, reg: apic.lvt.pmc, as: after_tick}}
            """);
        Assert.All(r.Expects, e => Assert.True(e.Ok, e.Detail));
        Assert.Equal(0x400UL, Sim.Read(r, "boot").Scalar);
        Assert.Equal(0x400UL, Sim.Read(r, "after_nmi").Scalar);
        Assert.Equal(0x400UL, Sim.Read(r, "after_tick").Scalar);
        Assert.Equal([2UL], r.InterruptRows.Single(x => x.Row == "NMI").Counts);
        Assert.Equal([2UL], r.InterruptRows.Single(x => x.Row == "PMI").Counts);
    }

    [Fact]
    public void Machine_check_is_recorded_in_faults_SCENARIOS_md_10()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: mce
            kernel: {config: {X86_MCE: true}}
            machine: {cpus: 1}
            steps: [{exception: {cpu: 0, vector: 18}}]
            """);
        Assert.Equal("exc_machine_check", Assert.Single(r.Dispatch).Handler);
        Assert.Equal("machine_check", Assert.Single(r.Faults).Kind);
    }
}
