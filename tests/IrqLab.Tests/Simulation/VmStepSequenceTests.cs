using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The order rules of <c>{vm: {op: enter|exit}}</c> steps (docs/scenario-loader.md; the loader's errors are in
/// errors.txt): a host CPU runs one vCPU at a time, handed over by an exit step, and a guest that ends without a step
/// (a triple fault, SDM Vol. 3C "VM exits" reason 2) can still be exited or resumed by the next step.
/// </summary>
public sealed class VmStepSequenceTests
{
    private const string TwoVmsOnCpu1 = """
        irqlab: 1
        name: handover
        machine: {cpus: 2}
        vms:
          - {name: g, vcpus: [{cpu: 1}]}
          - {name: h, vcpus: [{cpu: 1}]}
        steps:

        """;

    /// <summary>After g's exit step CPU 1 runs h: a host interrupt on CPU 1 is an exit of h.</summary>
    [Fact]
    public void An_exit_step_hands_the_host_cpu_to_another_vm()
    {
        var r = Sim.Run(TwoVmsOnCpu1 + """
              - {vm: {op: enter, vm: g, vcpu: 0}}
              - {vm: {op: exit, vm: g, vcpu: 0}}
              - {vm: {op: enter, vm: h, vcpu: 0}}
              - {ipi: {from: 0, to: 1, vector: RESCHEDULE_VECTOR}}
            """);

        Assert.Equal([("g", "HLT"), ("h", "EXTERNAL_INTERRUPT")], r.VmExits.Select(x => (x.Vm, x.Reason)));
    }

    /// <summary>
    /// g triple-faults (0x40 injected, no guest gate: #NP, then #DF, then shutdown, a TRIPLE_FAULT exit); the exit step
    /// that follows is legal though g is no longer in guest mode (no HLT exit is recorded), and h then runs on CPU 1.
    /// </summary>
    [Fact]
    public void A_guest_ended_by_a_triple_fault_can_be_exited_and_its_cpu_handed_over()
    {
        var r = Sim.Run(TwoVmsOnCpu1 + """
              - {vm: {op: inject, vm: g, vcpu: 0, type: ext_int, vector: 0x40}}
              - {vm: {op: enter, vm: g, vcpu: 0}}
              - {vm: {op: exit, vm: g, vcpu: 0}}
              - {vm: {op: enter, vm: h, vcpu: 0}}
              - {ipi: {from: 0, to: 1, vector: RESCHEDULE_VECTOR}}
            """);

        Assert.Equal([("g", "TRIPLE_FAULT"), ("h", "EXTERNAL_INTERRUPT")], r.VmExits.Select(x => (x.Vm, x.Reason)));
    }

    /// <summary>A second enter of the vCPU a triple fault ended resumes it (KVM_RUN again): no exit step is needed.</summary>
    [Fact]
    public void A_guest_ended_by_a_triple_fault_is_resumed_by_another_enter()
    {
        var r = Sim.Run(TwoVmsOnCpu1 + """
              - {vm: {op: inject, vm: g, vcpu: 0, type: ext_int, vector: 0x40}}
              - {vm: {op: enter, vm: g, vcpu: 0}}
              - {vm: {op: enter, vm: g, vcpu: 0}}
              - {ipi: {from: 0, to: 1, vector: RESCHEDULE_VECTOR}}
            """);

        Assert.Equal([("g", "TRIPLE_FAULT"), ("g", "EXTERNAL_INTERRUPT")], r.VmExits.Select(x => (x.Vm, x.Reason)));
    }

    /// <summary>
    /// An exit step after a failed VM entry halts no guest: KVM went back to user space (KVM_EXIT_FAIL_ENTRY), so
    /// <c>vmx_vcpu_pi_put()</c> armed no wakeup vector (the vCPU is not blocking) and KVM's sender notifies only a vCPU
    /// in guest mode (<c>kvm_vcpu_trigger_posted_interrupt</c>): a later post neither wakes the vCPU (no PIW, as for a
    /// vCPU blocked in HLT) nor notifies it (no PIN); it waits in the PIR. An exit step that made the vCPU look blocked
    /// would raise POSTED_INTR_WAKEUP_VECTOR on its host CPU.
    /// </summary>
    [Fact]
    public void An_exit_step_after_a_failed_entry_does_not_make_a_post_wake_the_vcpu()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: failed-entry-exit-post
            kernel: {version: latest, delivery: fred}
            machine: {cpus: 2, apic: x2apic}
            vms:
              - {name: g, vcpus: [{cpu: 1}], handlers: [{vector: 0x50, do: [eoi]}]}
            steps:
              - {vm: {op: inject, vm: g, vcpu: 0, type: nmi, vector: 3}}
              - {vm: {op: enter, vm: g, vcpu: 0}}
              - {advance: 1us}
              - {vm: {op: exit, vm: g, vcpu: 0}}
              - {vm: {op: post, vm: g, vcpu: 0, vector: 0x50}}
              - {advance: 1us}
            """);

        Assert.Contains(r.Faults, f => f.Kind == "vmentry_failure");
        Assert.Equal(0UL, Sim.Count(r, "PIW", 1));
        Assert.Equal(0UL, Sim.Count(r, "PIN", 1));
        Assert.Empty(r.Dispatch);
    }

    /// <summary>
    /// A vCPU halted in the middle of its handler (the exit step is its HLT) leaves that handler's frame on the host CPU;
    /// the vCPU entered next there — of another VM, or another vCPU of the same VM — does not run it: a host CPU runs one
    /// vCPU at a time, and the frame's remaining instructions (its self-IPI of 0x31 and EOI) are the first vCPU's, which
    /// finishes them when it is entered again (4 us after re-entry at 11 us). The second vCPU's handler is not nested in
    /// the first's (depth 0: different contexts). Before, the second vCPU ran the first's frame as its own once its own
    /// handler returned: 0x31 went to the wrong vCPU at 7 us (a triple fault in a VM with no gate for it), nested at
    /// depth 1 for a vCPU of the same VM.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_halted_vcpus_handler_frame_waits_for_that_vcpu_and_never_runs_in_the_next_one(bool sameVm)
    {
        const string g = "{vector: 0x30, do: [{advance: 5us}, {ipi: {to: self, vector: 0x31}}, eoi]}, {vector: 0x31, do: [eoi]}";
        const string h = "{vector: 0x40, do: [{advance: 2us}, eoi]}";
        var vms = sameVm
            ? $"[{{name: g, vcpus: [{{cpu: 1}}, {{cpu: 1}}], handlers: [{g}, {h}]}}]"
            : $"[{{name: g, vcpus: [{{cpu: 1}}], handlers: [{g}]}}, {{name: h, vcpus: [{{cpu: 1}}], handlers: [{h}]}}]";
        var (second, secondVcpu) = sameVm ? ("g", 1) : ("h", 0);
        var r = Sim.Run($$$"""
            irqlab: 1
            name: frame-owner
            kernel: {version: latest, delivery: idt}
            machine: {cpus: 2}
            vms: {{{vms}}}
            steps:
              - {vm: {op: enter, vm: g, vcpu: 0}}
              - {vm: {op: post, vm: g, vcpu: 0, vector: 0x30}}
              - {advance: 1us}
              - {vm: {op: exit, vm: g, vcpu: 0}}
              - {vm: {op: enter, vm: {{{second}}}, vcpu: {{{secondVcpu}}}}}
              - {vm: {op: post, vm: {{{second}}}, vcpu: {{{secondVcpu}}}, vector: 0x40}}
              - {advance: 10us}
              - {vm: {op: exit, vm: {{{second}}}, vcpu: {{{secondVcpu}}}}}
              - {vm: {op: enter, vm: g, vcpu: 0}}
              - {advance: 10us}
            """);

        Assert.Equal(
            [(0L, "vector_0x30", "g", 0, 0), (1000L, "vector_0x40", second, secondVcpu, 0), (15000L, "vector_0x31", "g", 0, 0)],
            r.Dispatch.Select(d => (d.TimeNs, d.Handler, d.Vm!, d.Vcpu!.Value, d.Depth)));
        Assert.Equal([("g", 0, "HLT"), (second, secondVcpu, "HLT")], r.VmExits.Select(x => (x.Vm, x.Vcpu, x.Reason)));
    }
}
