using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A failed VM entry in Linux mode: KVM's <c>__vmx_handle_exit()</c> (arch/x86/kvm/vmx/vmx.c, 6.1 to newest) calls
/// <c>dump_vmcs()</c> both for a VM exit with the failed-VM-entry bit (<c>exit_reason.failed_vmentry</c>: invalid guest
/// state, SDM 26.3) and for a VMfailValid (<c>vmx->fail</c>: invalid controls, SDM 26.2), then returns
/// <c>KVM_EXIT_FAIL_ENTRY</c> to user space. With <c>kvm_intel.dump_invalid_vmcs</c> off (the default) <c>dump_vmcs()</c>
/// only logs its <c>pr_warn_ratelimited</c> hint, "kvm_intel: " first from 6.3 on (vmx.c's <c>pr_fmt</c>). The model
/// logged the SDM's reason and no kernel line. Bare mode has no KVM, so no hint there.
/// </summary>
public sealed class KvmFailedEntryMessageTests
{
    private const string Hint = "set kvm_intel.dump_invalid_vmcs=1 to dump internal KVM state.";

    // SDM 26.2.1.1: process posted interrupts needs virtual-interrupt delivery (VMfailValid, no VM exit).
    private const string BadControls = "{name: g0, vcpus: [{cpu: 1}], ack_interrupt_on_exit: true, posted_interrupts: true, apicv: false}";
    private const string BadControlsSteps = "  - {vm: {op: enter, vm: g0, vcpu: 0}}\n";

    // SDM 26.3.1.5: an injected NMI while the guest has virtual-NMI blocking (an INVALID_STATE exit).
    private const string BadGuestState =
        "{name: g0, vcpus: [{cpu: 1}], virtual_nmis: true, handlers: [{vector: 0x02, do: [{advance: 2us}]}]}";
    private const string BadGuestStateSteps =
        "  - {vm: {op: enter, vm: g0, vcpu: 0}}\n  - {vm: {op: inject, vm: g0, vcpu: 0, type: nmi, vector: 2}}\n" +
        "  - {vm: {op: inject, vm: g0, vcpu: 0, type: nmi, vector: 2}}\n";

    public static TheoryData<string, bool, string> Cases => new()
    {
        { "6.1", false, Hint },
        { "6.1", true, Hint },
        { "6.6", false, "kvm_intel: " + Hint },
        { "6.9", true, "kvm_intel: " + Hint },
        { "6.10", false, "kvm_intel: " + Hint },
        { "latest", true, "kvm_intel: " + Hint },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_failed_VM_entry_logs_dump_vmcs_hint_vmx_c_vmx_handle_exit(string version, bool guestState, string expected)
    {
        var r = Sim.Run(Scenario("linux", version, guestState));

        Assert.Equal(1, Assert.Single(r.Faults, f => f.Kind == "vmentry_failure").Cpu);
        Assert.Equal(guestState, r.VmExits.Any(x => x.Reason == "INVALID_STATE"));
        var hint = Assert.Single(r.Messages, m => m.Text.EndsWith(Hint, StringComparison.Ordinal));
        Assert.Equal(("warning", expected, 1), (hint.Level, hint.Text, hint.Cpu));
        Assert.True(r.Messages.ToList().FindIndex(m => m.Text.StartsWith("VM entry failed", StringComparison.Ordinal))
            < r.Messages.ToList().IndexOf(hint));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bare_mode_has_no_KVM_to_log_it(bool guestState)
    {
        var r = Sim.Run(Scenario("bare", "latest", guestState));

        Assert.Single(r.Faults, f => f.Kind == "vmentry_failure");
        Assert.DoesNotContain(r.Messages, m => m.Text.Contains("dump_invalid_vmcs", StringComparison.Ordinal));
    }

    private static string Scenario(string mode, string version, bool guestState) => $$$"""
        irqlab: 1
        name: failed-entry
        kernel: {mode: {{{mode}}}, version: "{{{version}}}"}
        machine: {cpus: 2}
        vms:
          - {{{(guestState ? BadGuestState : BadControls)}}}
        steps:

        """ + (guestState ? BadGuestStateSteps : BadControlsSteps);
}
