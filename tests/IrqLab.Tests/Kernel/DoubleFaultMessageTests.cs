using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>
/// arch/x86/kernel/traps.c <c>DEFINE_IDTENTRY_DF(exc_double_fault)</c>, the same in 6.1 through the newest kernel:
/// <c>pr_emerg("PANIC: double fault, error_code: 0x%lx\n", error_code)</c>, prefixed "traps: " by traps.c's
/// <c>#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt</c> (its first line of code in every modelled version), then <c>die("double fault", ...)</c>, whose
/// <c>__die_header()</c> prints "double fault: 0000 [#N] SMP NOPTI" ("Oops: " first from 6.10). FRED reaches the same
/// handler (<c>fred_hwexc()</c>: <c>case X86_TRAP_DF: return exc_double_fault(regs, error_code)</c>).
/// </summary>
public sealed class DoubleFaultMessageTests
{
    [Theory]
    [InlineData(KernelVersion.V6_1, DeliveryKind.Idt, "double fault: 0000 [#1] SMP NOPTI")]
    [InlineData(KernelVersion.V6_9, DeliveryKind.Fred, "double fault: 0000 [#1] SMP NOPTI")]
    [InlineData(KernelVersion.V6_10, DeliveryKind.Idt, "Oops: double fault: 0000 [#1] SMP NOPTI")]
    [InlineData(KernelVersion.Latest, DeliveryKind.Fred, "Oops: double fault: 0000 [#1] SMP NOPTI")]
    public void Double_fault_logs_the_panic_line_and_the_die_header(KernelVersion version, DeliveryKind delivery, string header)
    {
        var model = K.Model(out var p, K.Options(version, delivery: delivery));
        var r = model.Exception(0, 8, 0);

        Assert.Equal(("exc_double_fault", DispatchPath.Exception), (r.Handler, r.Path));
        Assert.Equal(
            [(KernelLogLevel.Emerg, "traps: PANIC: double fault, error_code: 0x0"), (KernelLogLevel.Warning, header)],
            p.Logs.Select(l => (l.Level, l.Text)).ToArray());
    }

    [Fact]
    public void Other_exceptions_stay_silent()
    {
        var model = K.Model(out var p, K.Options(delivery: DeliveryKind.Idt));
        foreach (var vector in new[] { 0, 1, 3, 6, 13, 14 })
        {
            model.Exception(0, vector, 0);
        }

        Assert.Empty(p.Logs);
    }
}
