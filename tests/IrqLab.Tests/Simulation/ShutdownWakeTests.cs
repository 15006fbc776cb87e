using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// SDM Vol. 3A §6.15 (interrupt 8, #DF): after a triple fault "the processor stops executing instructions until an NMI
/// interrupt, SMI interrupt, hardware reset, or INIT# is received", and "if a shutdown occurs while the processor is
/// executing an NMI interrupt handler, then only a hardware reset can restart the processor". In bare mode with no
/// handler for #GP, #NP and #DF, a #GP triple-faults.
/// </summary>
public sealed class ShutdownWakeTests
{
    /// <summary>
    /// SDM §6.15: each NMI to the shut-down CPU runs its handler; when the handler returns the CPU is in shutdown again
    /// (no defined context to resume), so a fixed interrupt stays in IRR even with IF = 1, and no new fault is recorded.
    /// </summary>
    [Fact]
    public void An_NMI_runs_its_handler_on_a_shut_down_CPU_which_then_stays_stopped_SDM_6_15()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: shutdown-nmi
            kernel: {mode: bare}
            machine: {cpus: 2}
            handlers:
              - {vector: 2, do: [{advance: 1us}]}
              - {vector: 0x41, do: []}
            steps:
              - {write: {cpu: 1, reg: apic.svr, value: 0x1FF}}
              - {exception: {cpu: 1, vector: 13, error_code: 0}}
              - {nmi: {cpu: 1}}
              - {advance: 5us}
              - {ipi: {from: 0, to: 1, vector: 0x41}}
              - {sti: {cpu: 1}}
              - {advance: 5us}
              - {nmi: {cpu: 1}}
              - {advance: 5us}
              - {read: {cpu: 1, reg: apic.irr, as: irr}}
            """);

        Assert.Equal("vector_0x02@0,vector_0x02@10000", string.Join(",", r.Dispatch.Select(d => $"{d.Handler}@{d.TimeNs}")));
        Assert.Equal("[65]", Sim.Read(r, "irr").ToString());
        Assert.Equal("triple_fault", string.Join(",", r.Faults.Select(f => f.Kind)));
    }

    /// <summary>
    /// SDM §6.15: shut down in an NMI handler (its #GP triple-faults), the CPU ignores a later NMI and an INIT: the
    /// INIT does not reset its local APIC (SVR keeps 0x1FF) and the SIPI after it starts nothing.
    /// </summary>
    [Fact]
    public void A_CPU_shut_down_in_an_NMI_handler_ignores_NMI_and_INIT_SDM_6_15()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: shutdown-in-nmi
            kernel: {mode: bare}
            machine: {cpus: 2}
            handlers:
              - {vector: 2, do: [{write: {msr: 0x17A, value: 0x10}}]}
            steps:
              - {write: {cpu: 1, reg: apic.svr, value: 0x1FF}}
              - {nmi: {cpu: 1}}
              - {advance: 1us}
              - {nmi: {cpu: 1}}
              - {ipi: {from: 0, to: 1, mode: init}}
              - {ipi: {from: 0, to: 1, mode: sipi, vector: 0x10}}
              - {nmi: {cpu: 1}}
              - {advance: 1us}
              - {read: {cpu: 1, reg: apic.svr, as: svr}}
            """);

        Assert.Equal("vector_0x02", string.Join(",", r.Dispatch.Select(d => d.Handler)));
        Assert.Equal("511", Sim.Read(r, "svr").ToString());
        Assert.Equal("triple_fault", string.Join(",", r.Faults.Select(f => f.Kind)));
    }
}
