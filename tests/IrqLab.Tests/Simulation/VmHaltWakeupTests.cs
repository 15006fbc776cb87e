using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Waking a vCPU blocked in HLT (an <c>exit</c> step). With <c>vms[].wake_from_halt: true</c> the model does what KVM
/// does: a posted interrupt for a blocked vCPU notifies its CPU on POSTED_INTR_WAKEUP_VECTOR, whose handler
/// (<c>sysvec_kvm_posted_intr_wakeup_ipi</c> → <c>pi_wakeup_handler</c>, arch/x86/kvm/vmx/posted_intr.c) wakes it;
/// an emulated interrupt (<c>__apic_accept_irq</c>) or a virtual NMI (<c>kvm_inject_nmi</c>) kicks it
/// (<c>kvm_vcpu_kick</c> → <c>kvm_vcpu_wake_up</c>); it leaves <c>kvm_vcpu_halt()</c> only when runnable
/// (<c>kvm_vcpu_check_block</c> → <c>kvm_vcpu_has_events</c>: a queued NMI whatever IF, an interrupt only with IF = 1),
/// and the run loop re-enters it with the event. Without the key a halted vCPU waits for the next <c>enter</c> step.
/// </summary>
public sealed class VmHaltWakeupTests
{
    /// <summary>
    /// Guest halted (after <c>sti</c> or <c>cli</c>) at t = 0, the event at 1 us, an <c>enter</c> step at 2 us followed by
    /// <c>sti</c>. <paramref name="guestAt"/>: when the guest handler of the event runs.
    /// </summary>
    [Theory]
    // Posted interrupts: the wakeup vector reaches the host (PIW) only for a vCPU blocked with IF = 1 (vmx_vcpu_pi_put).
    [InlineData(true, true, "sti", "post", 1000L, 1UL)]
    [InlineData(false, true, "sti", "post", 2000L, 1UL)]
    [InlineData(true, true, "cli", "post", 2000L, 0UL)]
    // Without APICv the interrupt goes to KVM's emulated APIC and kvm_vcpu_kick() wakes the vCPU: no host IPI at all.
    [InlineData(true, false, "sti", "post", 1000L, 0UL)]
    [InlineData(false, false, "sti", "post", 2000L, 0UL)]
    [InlineData(true, false, "cli", "post", 2000L, 0UL)]
    // KVM_REQ_NMI makes the vCPU runnable whatever the guest's IF.
    [InlineData(true, true, "sti", "nmi", 1000L, 0UL)]
    [InlineData(true, true, "cli", "nmi", 1000L, 0UL)]
    [InlineData(false, true, "cli", "nmi", 2000L, 0UL)]
    public void A_blocked_vcpu_is_woken_when_the_event_makes_it_runnable_kvm_vcpu_check_block(
        bool wake, bool apicv, string flag, string source, long guestAt, ulong piw)
    {
        var (op, vector) = source == "nmi" ? ("{vm: {op: nmi, vm: g0, vcpu: 0}}", 2) : ("{vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}", 0x30);
        var r = Sim.Run($$$"""
            irqlab: 1
            name: halt-wakeup
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                wake_from_halt: {{{(wake ? "true" : "false")}}}
                apicv: {{{(apicv ? "true" : "false")}}}
                handlers: [{vector: 2, do: [{advance: 0}]}, {vector: 0x30, do: [eoi]}]
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {{{{flag}}}: {cpu: 1}}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {advance: 1us}
              - {{{op}}}
              - {advance: 1us}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {sti: {cpu: 1}}
              - {advance: 1us}
            """);

        var guest = Assert.Single(r.Dispatch, d => d.Vm == "g0");
        Assert.True((vector, guestAt) == (guest.Vector, guest.TimeNs), Sim.Describe(r));
        // No kick IPI for a vCPU out of guest mode: the only exits are the HLT and, without APICv, the guest's trapped EOI
        // (APIC_ACCESS) and the interrupt window of a guest that takes the interrupt after its sti.
        Assert.Equal("HLT", r.VmExits[0].Reason);
        Assert.DoesNotContain(r.VmExits, x => x.Reason == "EXTERNAL_INTERRUPT");
        Assert.Equal(piw, Sim.Count(r, "PIW", 1));
        Assert.Equal(0UL, Sim.Count(r, "PIN", 1));
        Assert.Equal(0UL, Sim.Count(r, "RES", 1));
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// The host CPU is in a device handler (0-5 us, IF = 0) when the event comes: the woken vCPU's thread runs once the
    /// handler returns (the wakeup vector itself waits for IF = 1), so the guest takes the event at 5 us.
    /// </summary>
    [Theory]
    [InlineData("{vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}", 0x30, 1UL)]
    [InlineData("{vm: {op: nmi, vm: g0, vcpu: 0}}", 2, 0UL)]
    public void A_vcpu_woken_while_the_host_runs_a_handler_is_entered_when_it_returns(string op, int vector, ulong piw)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: halt-wakeup-busy
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            devices:
              - name: eth0
                msix: {vectors: 1, affinity: [1]}
                handler: {returns: handled, cost: 5us}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                wake_from_halt: true
                handlers: [{vector: 2, do: [{advance: 0}]}, {vector: 0x30, do: [eoi]}]
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {raise: eth0}
              - {advance: 1us}
              - {{{op}}}
              - {advance: 10us}
            """);

        var guest = Assert.Single(r.Dispatch, d => d.Vm == "g0");
        Assert.True((vector, 5000L) == (guest.Vector, guest.TimeNs), Sim.Describe(r));
        Assert.Equal(["HLT"], r.VmExits.Select(x => x.Reason));
        Assert.Equal(piw, Sim.Count(r, "PIW", 1));
    }

    /// <summary>
    /// Another vCPU was entered on the host CPU after g0 halted: g0 is not re-entered in its place (host scheduling is
    /// not modelled); the wakeup vector makes h exit (EXTERNAL_INTERRUPT 0xF1) and g0 takes the interrupt at its own
    /// next enter step.
    /// </summary>
    [Fact]
    public void A_vcpu_whose_cpu_runs_another_vcpu_waits_for_its_enter_step()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: halt-wakeup-handover
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            vms:
              - {name: g0, vcpus: [{cpu: 1}], wake_from_halt: true, handlers: [{vector: 0x30, do: [eoi]}]}
              - {name: h, vcpus: [{cpu: 1}], wake_from_halt: true}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {vm: {op: enter, vm: h, vcpu: 0}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {advance: 1us}
              - {vm: {op: exit, vm: h, vcpu: 0}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {advance: 1us}
            """);

        Assert.Equal([("g0", "HLT", (int?)null), ("h", "EXTERNAL_INTERRUPT", 0xF1), ("h", "HLT", null)],
            r.VmExits.Select(x => (x.Vm, x.Reason, x.Vector)));
        var guest = Assert.Single(r.Dispatch, d => d.Vm == "g0");
        Assert.Equal(1000L, guest.TimeNs);
    }
}
