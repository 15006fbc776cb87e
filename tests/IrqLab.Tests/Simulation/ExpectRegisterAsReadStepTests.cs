using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A register <c>expect</c> reads the register "now" and only looks (SCENARIOS.md §7); it must see the value that a
/// <c>read</c> step of the same register records at that moment, in xAPIC and in x2APIC mode ("per SDM rules"). In
/// x2APIC mode a named access is RDMSR, and there is no DFR (MSR 0x80E: RDMSR raises #GP, SDM Vol. 3A Table 11-6), so
/// the read step records 0 (docs/simulation.md): the expect read the xAPIC-format DFR instead, 0xFFFFFFFF, a value no
/// instruction can see in x2APIC mode, and <c>{expect: {reg: apic.dfr, equals: 0}}</c> failed after the read of
/// the same register had recorded 0.
/// </summary>
public sealed class ExpectRegisterAsReadStepTests
{
    public static TheoryData<string, string> Registers()
    {
        var data = new TheoryData<string, string>();
        string[] names =
        [
            "id", "version", "tpr", "apr", "ppr", "eoi", "ldr", "dfr", "svr", "isr", "tmr", "irr", "esr", "icr",
            "lvt.cmci", "lvt.timer", "lvt.thermal", "lvt.pmc", "lvt.lint0", "lvt.lint1", "lvt.error",
            "timer.initial", "timer.current", "timer.divide", "self_ipi",
        ];
        foreach (var mode in new[] { "xapic", "x2apic" })
        {
            foreach (var name in names)
            {
                // SELF IPI exists only in x2APIC mode (an xAPIC machine's expect of it is a load error).
                if (mode == "x2apic" || name != "self_ipi")
                {
                    data.Add(mode, "apic." + name);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Registers))]
    public void Register_expect_sees_what_a_read_step_records(string mode, string register)
    {
        var list = register is "apic.isr" or "apic.tmr" or "apic.irr";
        var equals = list ? "[]" : "0";
        var r = Sim.Run($$$"""
            irqlab: 1
            name: expect-as-read
            kernel: {mode: bare}
            machine: {cpus: 2, apic: {{{mode}}}}
            handlers:
              - {vector: 0x41, do: [{advance: 1us}, eoi]}
            steps:
              - {write: {cpu: 0, reg: apic.tpr, value: 0x20}}
              - {write: {cpu: 0, reg: apic.lvt.timer, value: 0x40}}
              - {write: {cpu: 0, reg: apic.timer.initial, value: 1000}}
              - {ipi: {from: 1, to: 0, vector: 0x41}}
              - {advance: 300ns}
              - {expect: {cpu: 0, reg: {{{register}}}, equals: {{{equals}}}}}
              - {read: {cpu: 0, reg: {{{register}}}, as: v}}
            """);

        var e = Assert.Single(r.Expects);
        var read = Assert.Single(r.Reads, kv => kv.Key == "v").Value;
        Assert.EndsWith($", got {read}", e.Detail, StringComparison.Ordinal);
    }
}
