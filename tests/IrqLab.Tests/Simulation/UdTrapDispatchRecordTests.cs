using System.Globalization;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// An external interrupt whose kernel entry traps through UD2 before any handler runs: the handler that starts is
/// <c>exc_invalid_op</c> for that #UD, so its <c>dispatch</c> entry is the hardware exception (event <c>hw_exc</c>,
/// vector 6; SCENARIOS.md §10: "every handler entry"), whichever UD2 it was. Two sources of that UD2 on the software
/// route of the rfc-2022 variant: the kCFI check of the call through <c>system_interrupt_handler_table</c> (a cast
/// <c>sysvec_*</c>), and <c>BUG_ON(vector &lt; FIRST_EXTERNAL_VECTOR)</c> at the top of <c>external_interrupt()</c>
/// (Nov 2022 series patch 4/6, Message-Id 20221110055347.7463-5-xin3.li@intel.com; lib/bug.c <c>report_bug()</c>, then
/// arch/x86/kernel/traps.c <c>handle_invalid_op()</c>).
/// </summary>
public sealed class UdTrapDispatchRecordTests
{
    [Theory]
    [InlineData(0x10, false, "kernel BUG at arch/x86/kernel/traps.c:1523!")] // BUG_ON in external_interrupt()
    [InlineData(0x1f, false, "kernel BUG at arch/x86/kernel/traps.c:1523!")]
    [InlineData(0xfd, true, "CFI failure at external_interrupt")] // kCFI: sysvec_reschedule_ipi cast into the table
    public void Rfc2022_external_interrupt_that_traps_is_recorded_as_the_ud_exception(int vector, bool cfi, string message)
    {
        var r = Sim.Run(string.Create(CultureInfo.InvariantCulture, $$"""
            irqlab: 1
            name: ud-trap
            kernel: {version: "6.1", variant: rfc-2022, delivery: fred, cfi: {{(cfi ? "true" : "false")}}}
            machine: {cpus: 1}
            steps:
              - ipi: {from: 0, to: self, vector: 0x{{vector:x2}} }
            """));

        var d = Assert.Single(r.Dispatch);
        Assert.Equal(("hw_exc", 6, "exc_invalid_op", "exception"), (d.Event, d.Vector, d.Handler, d.Path));
        Assert.Contains(r.Messages, m => m.Text.StartsWith(message, StringComparison.Ordinal));
        Assert.Contains(r.Messages, m => m.Text == "invalid opcode: 0000 [#1] SMP NOPTI");
    }
}
