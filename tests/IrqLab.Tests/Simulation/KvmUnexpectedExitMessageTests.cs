using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// An INIT for a CPU that runs a guest exits with INIT_SIGNAL (reason 3), which KVM has no handler for: the
/// <c>unexpected_vmexit</c> path of <c>__vmx_handle_exit()</c> (arch/x86/kvm/vmx/vmx.c) logs <c>vcpu_unimpl()</c>'s line
/// (KERN_ERR) and <c>dump_vmcs()</c>'s hint (KERN_WARNING, <c>kvm_intel.dump_invalid_vmcs</c> off). The text follows the
/// version: no prefix on 6.1; vmx.c's <c>pr_fmt</c> "kvm_intel: " from 6.3 on ("KVM: x86: Unify pr_fmt to use module
/// name for all KVM modules"); on latest the hint comes first and x86.c's <c>kvm_prepare_unexpected_reason_exit()</c>
/// prints "kvm: ... unexpected exit reason 0x3" ("KVM: x86: Add a helper to dedup reporting of unhandled VM-Exits").
/// </summary>
public sealed class KvmUnexpectedExitMessageTests
{
    private const string Hint = "set kvm_intel.dump_invalid_vmcs=1 to dump internal KVM state.";

    public static TheoryData<string, string[]> Versions => new()
    {
        { "6.1", ["err|kvm [0]: vcpu0, guest rIP: 0x0 vmx: unexpected exit reason 0x3", "warning|" + Hint] },
        { "6.6", ["err|kvm_intel: kvm [0]: vcpu0, guest rIP: 0x0 vmx: unexpected exit reason 0x3", "warning|kvm_intel: " + Hint] },
        { "6.9", ["err|kvm_intel: kvm [0]: vcpu0, guest rIP: 0x0 vmx: unexpected exit reason 0x3", "warning|kvm_intel: " + Hint] },
        { "6.10", ["err|kvm_intel: kvm [0]: vcpu0, guest rIP: 0x0 vmx: unexpected exit reason 0x3", "warning|kvm_intel: " + Hint] },
        { "latest", ["warning|kvm_intel: " + Hint, "err|kvm: kvm [0]: vcpu0, guest rIP: 0x0 unexpected exit reason 0x3"] },
    };

    [Theory]
    [MemberData(nameof(Versions))]
    public void INIT_in_a_guest_logs_vcpu_unimpl_and_dump_vmcs_as_the_version_prints_them_vmx_c(string version, string[] expected)
    {
        var r = Sim.Run(Scenario(version, rounds: 1));

        Assert.Equal(expected, r.Messages.Select(m => $"{m.Level}|{m.Text}").ToArray());
        Assert.All(r.Messages, m => Assert.Equal((1, 0L), (m.Cpu, m.TimeNs)));
    }

    /// <summary>Both lines are <c>pr_*_ratelimited</c>, each with its own state: 10 per 5 s, then "%s: %d callbacks suppressed".</summary>
    [Fact]
    public void Each_line_is_rate_limited_on_its_own_ratelimit_c()
    {
        var r = Sim.Run(Scenario("6.6", rounds: 12) + "  - {advance: 5s}\n" + Rounds(1));

        var texts = r.Messages.Select(m => m.Text).ToArray();
        Assert.Equal(10 + 1, texts.Count(t => t.EndsWith("vmx: unexpected exit reason 0x3", StringComparison.Ordinal)));
        Assert.Equal(10 + 1, texts.Count(t => t.EndsWith(Hint, StringComparison.Ordinal)));
        Assert.Equal(
            ["__vmx_handle_exit: 2 callbacks suppressed", "kvm_intel: kvm [0]: vcpu0, guest rIP: 0x0 vmx: unexpected exit reason 0x3",
             "dump_vmcs: 2 callbacks suppressed", "kvm_intel: " + Hint],
            texts[^4..]);
    }

    private static string Scenario(string version, int rounds) => $$$"""
        irqlab: 1
        name: init-in-guest
        kernel: {version: "{{{version}}}"}
        machine: {cpus: 2}
        vms:
          - {name: g0, vcpus: [{cpu: 1}]}
        steps:

        """ + Rounds(rounds);

    private static string Rounds(int n) => string.Concat(Enumerable.Repeat(
        "  - {vm: {op: enter, vm: g0, vcpu: 0}}\n  - {ipi: {from: 0, to: 1, mode: init}}\n  - {advance: 1ms}\n", n));
}
