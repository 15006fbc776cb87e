using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>
/// arch/x86/entry/entry_fred.c <c>fred_bad_type()</c> on stack level 0: <c>pr_alert("BUG: invalid or fatal FRED event;
/// event type %u vector %u error 0x%lx aux 0x%lx at %04x:%016lx\n", ...)</c>, then
/// <c>__die("Invalid or fatal FRED event", regs, error_code)</c>, whose <c>__die_header()</c>
/// (arch/x86/kernel/dumpstack.c) prints <c>"%s: %04lx [#%d]..."</c> with <c>err &amp; 0xffff</c>: the event's error code,
/// low 16 bits, four hex digits. The model printed 0000 whatever the error code.
/// </summary>
public sealed class FredBadTypeMessageTests
{
    [Theory]
    // #CP with X86_CET off (no case in fred_hwexc), error code 3 (ENDBRANCH).
    [InlineData(KernelVersion.V6_10, 21, 0x3UL, "error 0x3 ", "Oops: Invalid or fatal FRED event: 0003 [#1] SMP NOPTI")]
    // #VC in 6.9 (no #VC case before the newest), an SEV-ES exit code as error code; no "Oops: " before 6.10.
    [InlineData(KernelVersion.V6_9, 29, 0x72UL, "error 0x72 ", "Invalid or fatal FRED event: 0072 [#1] SMP NOPTI")]
    // Only the low 16 bits reach the header (err & 0xffff); the BUG line prints the whole code.
    [InlineData(KernelVersion.Latest, 30, 0x12345UL, "error 0x12345 ", "Oops: Invalid or fatal FRED event: 2345 [#1] SMP NOPTI")]
    // No error code: 0000, as before.
    [InlineData(KernelVersion.V6_10, 9, 0x0UL, "error 0x0 ", "Oops: Invalid or fatal FRED event: 0000 [#1] SMP NOPTI")]
    public void The_die_header_carries_the_events_error_code(KernelVersion version, int vector, ulong errorCode, string bugPart, string header)
    {
        var model = K.Model(out var p, K.Options(version, delivery: DeliveryKind.Fred));
        var r = model.Exception(0, vector, errorCode);

        Assert.Equal("fred_bad_type", r.Handler);
        Assert.Equal(2, p.Logs.Count);
        Assert.Equal(KernelLogLevel.Alert, p.Logs[0].Level);
        Assert.Contains(bugPart, p.Logs[0].Text, StringComparison.Ordinal);
        Assert.Equal((KernelLogLevel.Warning, header), (p.Logs[1].Level, p.Logs[1].Text));
    }
}
