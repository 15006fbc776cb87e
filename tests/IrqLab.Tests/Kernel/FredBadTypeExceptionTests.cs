using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>
/// arch/x86/entry/entry_fred.c: under FRED Linux dispatches exceptions in software, and <c>fred_hwexc()</c> has no case
/// for 9, 15, reserved vectors or guarded ones whose option is off: they reach <c>fred_bad_type()</c> (pr_alert "BUG:
/// invalid or fatal FRED event; ..." then __die). Under IDT the same vectors keep their gate's handler or are unhandled.
/// </summary>
public sealed class FredBadTypeExceptionTests
{
    [Theory]
    [InlineData(9)]   // coprocessor segment overrun: idt.c has a gate, fred_hwexc no case
    [InlineData(15)]  // spurious interrupt bug: same
    [InlineData(18)]  // #MC with X86_MCE off
    [InlineData(20)]  // #VE with INTEL_TDX_GUEST off
    [InlineData(22)]  // reserved
    public void Exception_without_a_fred_hwexc_case_goes_to_fred_bad_type(int vector)
    {
        var model = K.Model(out var p, K.Options(delivery: DeliveryKind.Fred));
        var r = model.Exception(0, vector, 0);

        Assert.Equal(("fred_bad_type", DispatchPath.Exception), (r.Handler, r.Path));
        var line = Assert.Single(p.Logs, l => l.Level == KernelLogLevel.Alert);
        Assert.StartsWith($"BUG: invalid or fatal FRED event; event type 3 vector {vector} error 0x0 aux 0x0 at 0010:", line.Text, StringComparison.Ordinal);
        Assert.Contains(p.Texts, t => t.Contains("Invalid or fatal FRED event", StringComparison.Ordinal));
    }

    /// <summary>
    /// #VC (29) under FRED, arch/x86/entry/entry_fred.c per version: the newest fred_hwexc sends it to
    /// exc_vmm_communication under CONFIG_AMD_MEM_ENCRYPT ("x86/fred: Fix early boot failures on SEV-ES/SNP guests",
    /// 2026); fred_hwexc of 6.9 and 6.10 has no #VC case, so there it is a bad type whatever the option.
    /// </summary>
    [Theory]
    [InlineData(KernelVersion.V6_9, true, "fred_bad_type")]
    [InlineData(KernelVersion.V6_10, true, "fred_bad_type")]
    [InlineData(KernelVersion.Latest, true, "exc_vmm_communication")]
    [InlineData(KernelVersion.Latest, false, "fred_bad_type")]
    public void Vc_under_fred_follows_the_versions_fred_hwexc(KernelVersion version, bool amdMemEncrypt, string handler)
    {
        var options = K.Options(version, delivery: DeliveryKind.Fred, config: K.Config(("AMD_MEM_ENCRYPT", amdMemEncrypt)));
        var model = K.Model(out var p, options);
        Assert.Equal(handler, model.Exception(0, 29, 0).Handler);
        Assert.Equal(handler == "fred_bad_type", p.Logs.Any(l => l.Level == KernelLogLevel.Alert));
    }

    [Theory]
    [InlineData(9, "exc_coproc_segment_overrun")]
    [InlineData(15, "exc_spurious_interrupt_bug")]
    [InlineData(18, "unhandled")]
    public void Same_vectors_under_idt_keep_the_gate_handler(int vector, string handler)
    {
        var model = K.Model(out var p, K.Options(delivery: DeliveryKind.Idt));
        Assert.Equal(handler, model.Exception(0, vector, 0).Handler);
        Assert.Empty(p.Logs);
    }

    [Theory]
    [InlineData(3, "exc_int3")]       // fred_swexc
    [InlineData(4, "exc_overflow")]   // fred_swexc
    [InlineData(14, "exc_page_fault")]
    [InlineData(8, "exc_double_fault")]
    [InlineData(19, "exc_simd_coprocessor_error")]
    public void Exceptions_fred_hwexc_or_swexc_handle_run_their_handler(int vector, string handler)
    {
        var model = K.Model(out var p, K.Options(delivery: DeliveryKind.Fred));
        Assert.Equal(handler, model.Exception(0, vector, 0).Handler);
        // No fred_bad_type line (exc_double_fault logs its own panic line: DoubleFaultMessageTests).
        Assert.DoesNotContain(p.Logs, l => l.Level == KernelLogLevel.Alert);
    }
}
