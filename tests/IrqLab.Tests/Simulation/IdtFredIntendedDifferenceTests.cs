using System.Globalization;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The external-interrupt vectors the IDT≡FRED differential leaves out, because the two worlds intentionally differ
/// there (docs/delivery.md, "Intended differences"). Each case pins both behaviours.
/// </summary>
public sealed class IdtFredIntendedDifferenceTests
{
    private static string Scenario(string delivery, int vector) => string.Create(CultureInfo.InvariantCulture, $$"""
        irqlab: 1
        name: intended-difference
        kernel: {version: "6.10", delivery: {{delivery}}}
        machine: {cpus: 1}
        steps:
          - ipi: {from: 0, to: self, vector: 0x{{vector:x2}} }
        """);

    /// <summary>
    /// A fixed interrupt on vector 16-31 (the local APIC accepts 16-31, only 0-15 are illegal: SDM Vol. 3A §11.5.2):
    /// through the IDT it runs the exception gate Linux installed there (idt.c def_idts); FRED delivers it as an
    /// external interrupt and <c>fred_extint()</c> refuses it with WARN_ON_ONCE(vector &lt; FIRST_EXTERNAL_VECTOR)
    /// (arch/x86/entry/entry_fred.c).
    /// </summary>
    [Theory]
    [InlineData(0x10, "exc_coprocessor_error")]
    [InlineData(0x11, "exc_alignment_check")]
    [InlineData(0x13, "exc_simd_coprocessor_error")]
    public void Interrupt_on_an_exception_vector_runs_the_idt_exception_gate_but_fred_extint_warns(int vector, string idtHandler)
    {
        var idt = Sim.Run(Scenario("idt", vector));
        var fred = Sim.Run(Scenario("fred", vector));

        var a = Assert.Single(idt.Dispatch);
        Assert.Equal(("ext_int", vector, idtHandler), (a.Event, a.Vector, a.Handler));
        Assert.Empty(idt.Messages);

        var b = Assert.Single(fred.Dispatch);
        Assert.Equal(("ext_int", vector, "unhandled"), (b.Event, b.Vector, b.Handler));
        Assert.Contains(fred.Messages, m => m.Text.Contains("WARN_ON_ONCE(vector < FIRST_EXTERNAL_VECTOR)", StringComparison.Ordinal));
        // The paths docs/delivery.md gives: the exception gate under IDT; fred_extint()'s software dispatch under FRED.
        Assert.Equal(("exception", "sysvec_table"), (a.Path, b.Path));
    }

    /// <summary>
    /// Vector 0x80 with IA32_EMULATION: the IDT has the DPL-3 <c>asm_int80_emulation</c> gate there (idt.c
    /// <c>SYSG(IA32_SYSCALL_VECTOR, ...)</c>), so an external interrupt on 0x80 enters the syscall path, whose C handler
    /// is <c>do_int80_emulation</c> from 6.9 (7390db8aea0d made <c>int80_emulation</c> an asm stub); under FRED
    /// <c>int $0x80</c> is a software-interrupt event (FRED spec §5.1, event type 4) and an external interrupt on 0x80
    /// is an ordinary device vector for <c>common_interrupt()</c>.
    /// </summary>
    [Fact]
    public void Interrupt_on_vector_0x80_enters_int80_emulation_through_the_idt_and_common_interrupt_under_fred()
    {
        var idt = Sim.Run(Scenario("idt", 0x80));
        var fred = Sim.Run(Scenario("fred", 0x80));

        var a = Assert.Single(idt.Dispatch);
        Assert.Equal(("do_int80_emulation", "idt_gate"), (a.Handler, a.Path));
        var b = Assert.Single(fred.Dispatch);
        Assert.Equal(("common_interrupt", "common_interrupt"), (b.Handler, b.Path));
        Assert.Contains(fred.Messages, m => m.Text.Contains("No irq handler for vector", StringComparison.Ordinal));
    }

    /// <summary>
    /// Exceptions that <c>fred_hwexc()</c> has no case for (9 and 15, which no 64-bit processor raises, SDM Vol. 3A §6.15):
    /// the IDT runs the gate Linux installed, FRED's software switch reaches <c>fred_bad_type()</c> and oopses
    /// (arch/x86/entry/entry_fred.c). (#MC with X86_MCE off never reaches either: the CPU shuts down, below.)
    /// </summary>
    [Theory]
    [InlineData(9, "exc_coproc_segment_overrun")]
    [InlineData(15, "exc_spurious_interrupt_bug")]
    public void Exception_without_a_fred_hwexc_case_is_fred_bad_type_only_under_fred(int vector, string idtHandler)
    {
        string Exception(string delivery) => string.Create(CultureInfo.InvariantCulture, $$"""
            irqlab: 1
            name: bad-type
            kernel: {version: "6.10", delivery: {{delivery}}}
            machine: {cpus: 1}
            steps:
              - exception: {cpu: 0, vector: {{vector}} }
            """);

        var idt = Sim.Run(Exception("idt"));
        var fred = Sim.Run(Exception("fred"));

        Assert.Equal(("hw_exc", idtHandler), (Assert.Single(idt.Dispatch).Event, idt.Dispatch[0].Handler));
        Assert.Empty(idt.Messages);
        Assert.Equal(("hw_exc", "fred_bad_type"), (Assert.Single(fred.Dispatch).Event, fred.Dispatch[0].Handler));
        Assert.Contains(fred.Messages, m => m.Level == "alert" && m.Text.StartsWith("BUG: invalid or fatal FRED event; event type 3 vector " + vector.ToString(CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal));
    }

    /// <summary>
    /// Without CONFIG_X86_MCE, arch/x86/kernel/head_64.S keeps CR4.MCE clear (only with the option does it preserve the
    /// bit, and mcheck_cpu_init() sets it), and "if the machine-check mechanism is not enabled, a machine-check exception
    /// causes the processor to enter the shutdown state" (SDM Vol. 3A §6.15, interrupt 18): no handler runs, under IDT
    /// or FRED delivery, and the CPU then takes no maskable interrupt. With X86_MCE the handler runs and counts MCE.
    /// </summary>
    [Theory]
    [InlineData("idt", false)]
    [InlineData("fred", false)]
    [InlineData("idt", true)]
    [InlineData("fred", true)]
    public void Machine_check_shuts_the_CPU_down_when_X86_MCE_leaves_CR4_MCE_clear(string delivery, bool mce)
    {
        var r = Sim.Run(string.Create(CultureInfo.InvariantCulture, $$$"""
            irqlab: 1
            name: mc-cr4
            kernel: {version: "6.10", delivery: {{{delivery}}}, config: {X86_MCE: {{{(mce ? "true" : "false")}}}}}
            machine: {cpus: 2}
            steps:
              - exception: {cpu: 1, vector: 18}
              - {ipi: {from: 0, to: 1, vector: RESCHEDULE_VECTOR}}
              - {advance: 1us}
            """));

        if (mce)
        {
            Assert.Equal(["machine_check"], r.Faults.Select(f => f.Kind).ToArray());
            Assert.Equal(["exc_machine_check", "sysvec_reschedule_ipi"], r.Dispatch.Select(d => d.Handler).ToArray());
            Assert.Equal(1UL, Sim.Count(r, "MCE", 1));
        }
        else
        {
            Assert.Equal(["machine_check", "triple_fault"], r.Faults.Select(f => f.Kind).ToArray());
            Assert.Empty(r.Dispatch);
        }
    }
}
