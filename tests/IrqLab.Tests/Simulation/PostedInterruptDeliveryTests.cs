using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Posted-interrupt processing and virtual-interrupt delivery (SDM Vol. 3C 30.2, 30.6; KVM arch/x86/kvm/vmx/posted_intr.c)
/// in the situations a scenario author meets: a guest handler running with IF clear or set, a post while KVM handles an
/// exit in host mode, and a post to a blocked vCPU whose host CPU runs another vCPU. Each case gives the dispatch order
/// (handler, depth, time) the SDM and KVM imply; these are conformance checks of the fifteenth-session audit, which found
/// the model in agreement.
/// </summary>
public sealed class PostedInterruptDeliveryTests
{
    private const string Guest = """
        irqlab: 1
        name: pi
        kernel: {version: latest}
        machine: {cpus: 2}
        devices:
          - {name: nic, msix: {vectors: 1, affinity: [1]}, handler: {returns: handled, cost: 5us}}
        vms:
          - name: g0
            vcpus: [{cpu: 1}]
            handlers:
              - {vector: 0x35, do: [HANDLER]}
              - {vector: 0x3a, do: [eoi]}
              - {vector: 0x45, do: [eoi]}
              - {vector: 0x25, do: [eoi]}
        steps:
          - {vm: {op: enter, vm: g0, vcpu: 0}}
          - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x35}}
        """;

    /// <summary>
    /// Posted-interrupt processing happens whatever the guest's RFLAGS.IF (with external-interrupt exiting IF does not block
    /// the notification, SDM 26.4.1; steps 1-6 of SDM 30.6 need no exit): the vectors wait in VIRR. Virtual-interrupt
    /// delivery (SDM 30.2.1-30.2.2) then needs IF = 1 and RVI[7:4] &gt; VPPR[7:4]: with IF clear in the handler of 0x35
    /// they follow its IRET, highest first; after its STI 0x45 (class 4) nests at once, 0x3a (class 3, the in-service
    /// class) waits for the EOI (EOI virtualization, SDM 30.1.4, lowers VPPR) and nests in the handler before its IRET,
    /// then 0x25. The PIN row stays 0: no notification reaches the host.
    /// </summary>
    [Theory]
    [InlineData("{advance: 5us}, eoi", "vector_0x35@0/0 vector_0x45@5000/0 vector_0x3a@5000/0 vector_0x25@5000/0")]
    [InlineData("sti, {advance: 5us}, eoi", "vector_0x35@0/0 vector_0x45@0/1 vector_0x3a@5000/1 vector_0x25@5000/1")]
    public void Posted_vectors_are_delivered_by_priority_class_once_the_guest_can_take_them_SDM_30_2_30_6(string handler, string expected)
    {
        var r = Sim.Run(Guest.Replace("HANDLER", handler, StringComparison.Ordinal) + """

              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x3a}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x25}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x45}}
              - {advance: 20us}
            """);

        Assert.Empty(r.VmExits);
        Assert.Equal(expected, string.Join(' ', r.Dispatch.Select(d => $"{d.Handler}@{d.TimeNs}/{d.Depth}")));
        Assert.Equal(0UL, Sim.Count(r, "PIN", 1));
    }

    /// <summary>
    /// A post while KVM handles an EXTERNAL_INTERRUPT exit in host mode: KVM's sender (<c>__vmx_deliver_posted_interrupt</c>
    /// → <c>kvm_vcpu_trigger_posted_interrupt</c>) sends no IPI to a vCPU that is not IN_GUEST_MODE, so no host handler
    /// runs (PIN 0); the vector is merged into VIRR on the re-entry (<c>vmx_sync_pir_to_irr</c>) when the host handler
    /// returns, and nests in the guest's interrupted handler of 0x35 (IF = 1 after its STI), whose remaining 5 us of
    /// guest time run after the exit.
    /// </summary>
    [Fact]
    public void A_post_during_host_exit_handling_waits_for_the_reentry_kvm_vcpu_trigger_posted_interrupt()
    {
        var r = Sim.Run(Guest.Replace("HANDLER", "sti, {advance: 10us}, eoi", StringComparison.Ordinal) + """

              - {raise: nic}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x45}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x45}}
              - {advance: 30us}
            """);

        var exit = Assert.Single(r.VmExits);
        Assert.Equal(("EXTERNAL_INTERRUPT", (long)0), (exit.Reason, exit.TimeNs));
        Assert.Equal("vector_0x35@0/0 common_interrupt@0/0 vector_0x45@5000/1",
            string.Join(' ', r.Dispatch.Select(d => $"{d.Handler}@{d.TimeNs}/{d.Depth}")));
        Assert.Equal(0UL, Sim.Count(r, "PIN", 1));
        Assert.Equal(1, r.Stats.Coalesced);
    }

    /// <summary>
    /// KVM <c>pi_enable_wakeup_handler</c>: a vCPU blocked in HLT keeps NDST = its host CPU and NV =
    /// POSTED_INTR_WAKEUP_VECTOR. When another vCPU runs there, the wakeup vector is not that vCPU's notification vector
    /// (POSTED_INTR_VECTOR), so it causes an EXTERNAL_INTERRUPT exit of the running vCPU (SDM 26.2, 30.6 step 1) and the
    /// host runs <c>sysvec_kvm_posted_intr_wakeup_ipi</c> (PIW +1); the blocked vCPU's interrupt is delivered at its
    /// next entry. The running vCPU's own posts are still processed without an exit.
    /// </summary>
    [Fact]
    public void A_post_to_a_blocked_vcpu_exits_the_vcpu_running_on_its_host_cpu_pi_wakeup_handler()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: pi-other
            kernel: {version: latest}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers: [{vector: 0x30, do: [eoi]}]
              - name: g1
                vcpus: [{cpu: 1}]
                handlers: [{vector: 0x31, do: [eoi]}]
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {vm: {op: enter, vm: g1, vcpu: 0}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {vm: {op: post, vm: g1, vcpu: 0, vector: 0x31}}
              - {advance: 10us}
              - {vm: {op: exit, vm: g1, vcpu: 0}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {advance: 10us}
            """);

        Assert.Equal("g0:HLT g1:EXTERNAL_INTERRUPT:241 g1:HLT",
            string.Join(' ', r.VmExits.Select(e => e.Vector is { } v ? $"{e.Vm}:{e.Reason}:{v}" : $"{e.Vm}:{e.Reason}")));
        Assert.Equal("sysvec_kvm_posted_intr_wakeup_ipi/ g1:vector_0x31 g0:vector_0x30",
            string.Join(' ', r.Dispatch.Select(d => d.Vm is null ? d.Handler + "/" : $"{d.Vm}:{d.Handler}")));
        Assert.Equal(1UL, Sim.Count(r, "PIW", 1));
        Assert.Equal(0UL, Sim.Count(r, "PIN", 1));
    }
}
