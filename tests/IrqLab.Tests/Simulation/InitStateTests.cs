using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// An accepted INIT resets the processor, not only its local APIC (SDM Vol. 3A §9.1, Table 9-1: RFLAGS = 2, so IF = 0,
/// and no event in progress): the handler frames are gone. An AP then waits for a start-up IPI (SDM §8.4.1, §11.6.1),
/// taking no event; an NMI is blocked there and held pending (SDM Vol. 3C §28.2: "if a logical processor is in the
/// wait-for-SIPI state, NMIs are blocked"), and is taken once a SIPI starts the AP idle with IF = 0. The BSP starts at
/// the reset vector at once (idle, IF = 0) and ignores a SIPI.
/// </summary>
public sealed class InitStateTests
{
    private static string Scenario(int cpu, string afterInit) => $$$"""
        irqlab: 1
        name: init-state
        kernel: {mode: bare}
        machine: {cpus: 2}
        handlers:
          - {vector: 2, do: []}
          - {vector: 0x40, do: [{advance: 10us}]}
          - {vector: 0x41, do: []}
        steps:
          - {write: {cpu: {{{cpu}}}, reg: apic.svr, value: 0x1FF}}
          - {ipi: {from: {{{1 - cpu}}}, to: {{{cpu}}}, vector: 0x40}}
          - {advance: 1us}
          - {ipi: {from: {{{1 - cpu}}}, to: {{{cpu}}}, mode: init}}
          - {nmi: {cpu: {{{cpu}}}}}
          - {advance: 20us}
          - {{{afterInit}}}
          - {advance: 1us}
          - {write: {cpu: {{{cpu}}}, reg: apic.svr, value: 0x1FF}}
          - {ipi: {from: {{{1 - cpu}}}, to: {{{cpu}}}, vector: 0x41}}
          - {advance: 1us}
          - {read: {cpu: {{{cpu}}}, reg: apic.irr, as: irr_before_sti}}
          - {sti: {cpu: {{{cpu}}}}}
          - {advance: 1us}
        """;

    /// <summary>
    /// SDM §8.4.1, §9.1, Vol. 3C §28.2: the AP's 0x40 handler is gone at the INIT (it does not return, and its IF = 1
    /// is not restored), the NMI waits until the SIPI, and the AP starts with IF = 0: the fixed 0x41 stays in IRR until
    /// STI.
    /// </summary>
    [Fact]
    public void An_AP_after_INIT_waits_for_SIPI_with_NMIs_blocked_and_starts_with_IF_clear_SDM_8_4_1_9_1()
    {
        var r = Sim.Run(Scenario(1, "{ipi: {from: 0, to: 1, mode: sipi, vector: 0x10}}"));

        Assert.Equal("vector_0x40@0,vector_0x02@21000,vector_0x41@23000",
            string.Join(",", r.Dispatch.Select(d => $"{d.Handler}@{d.TimeNs}")));
        Assert.Equal("[65]", Sim.Read(r, "irr_before_sti").ToString());
        Assert.Empty(r.Faults);
    }

    /// <summary>SDM §9.1, §8.4.1: the BSP does not wait for a SIPI; it runs from the reset vector at once, so the NMI is
    /// taken at the INIT's instant; the 0x40 handler is gone; IF = 0 after the reset.</summary>
    [Fact]
    public void The_BSP_after_INIT_runs_at_once_with_IF_clear_and_no_frames_SDM_9_1()
    {
        var r = Sim.Run(Scenario(0, "{ipi: {from: 1, to: 0, mode: sipi, vector: 0x10}}"));

        Assert.Equal("vector_0x40@0,vector_0x02@1000,vector_0x41@23000",
            string.Join(",", r.Dispatch.Select(d => $"{d.Handler}@{d.TimeNs}")));
        Assert.Equal("[65]", Sim.Read(r, "irr_before_sti").ToString());
        Assert.Equal(0, r.Dispatch.Single(d => d.Handler == "vector_0x02").Depth);
    }

    /// <summary>
    /// SDM Vol. 3A §6.15: INIT takes a CPU out of shutdown (a triple fault); §9.1, §8.4.1: as after any INIT the AP
    /// waits for a SIPI and then runs idle with IF = 0, so a fixed interrupt is taken after STI.
    /// </summary>
    [Fact]
    public void INIT_takes_an_AP_out_of_shutdown_into_wait_for_SIPI_SDM_6_15_8_4_1()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: init-after-shutdown
            kernel: {mode: bare}
            machine: {cpus: 2}
            handlers:
              - {vector: 0x41, do: []}
            steps:
              - {exception: {cpu: 1, vector: 13, error_code: 0}}
              - {ipi: {from: 0, to: 1, mode: init}}
              - {ipi: {from: 0, to: 1, mode: sipi, vector: 0x10}}
              - {write: {cpu: 1, reg: apic.svr, value: 0x1FF}}
              - {ipi: {from: 0, to: 1, vector: 0x41}}
              - {sti: {cpu: 1}}
              - {advance: 1us}
            """);

        Assert.Equal("vector_0x41", string.Join(",", r.Dispatch.Select(d => d.Handler)));
        Assert.Equal("triple_fault", string.Join(",", r.Faults.Select(f => f.Kind)));
    }

    /// <summary>
    /// SDM Vol. 3A §9.1: an INIT that reaches a CPU in VMX root operation while its host handles a vCPU's exit (the
    /// device handler still running) drops KVM's run loop with the other frames: the vCPU is not re-entered when a
    /// later NMI handler returns, so the next interrupt goes to the host with no second exit.
    /// </summary>
    [Fact]
    public void A_vCPU_out_on_an_exit_is_not_re_entered_after_its_host_CPU_took_an_INIT_SDM_9_1()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: init-in-root
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            devices:
              - {name: eth0, msix: {vectors: 1, affinity: [1]}, handler: {returns: handled, cost: 2us}}
            vms:
              - {name: g0, vcpus: [{cpu: 1}]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {raise: eth0}
              - {advance: 1us}
              - {ipi: {from: 0, to: 1, mode: init}}
              - {ipi: {from: 0, to: 1, mode: sipi, vector: 0x10}}
              - {nmi: {cpu: 1}}
              - {advance: 10us}
              - {write: {cpu: 1, reg: apic.svr, value: 0x1FF}}
              - {sti: {cpu: 1}}
              - {ipi: {from: 0, to: 1, vector: CALL_FUNCTION_VECTOR}}
              - {advance: 10us}
            """);

        Assert.Equal("EXTERNAL_INTERRUPT@0", string.Join(",", r.VmExits.Select(x => $"{x.Reason}@{x.TimeNs}")));
        Assert.Equal("common_interrupt@0,exc_nmi@1000,sysvec_call_function@11000",
            string.Join(",", r.Dispatch.Select(d => $"{d.Handler}@{d.TimeNs}")));
    }
}
