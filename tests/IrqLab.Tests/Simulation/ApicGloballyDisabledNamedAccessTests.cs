using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Named register access to a globally disabled local APIC (IA32_APIC_BASE[11] = 0), which SCENARIOS.md §7 leaves
/// open (its named registers are defined for xAPIC and x2APIC mode) and docs/simulation.md "Register reads and writes"
/// pins: a named read looks at the register file the disable reset to its power-up values (SDM Vol. 3A §11.4.7.1,
/// §11.12.5.1) in the xAPIC format; a named write, an <c>ipi</c> from the CPU and a raw x2APIC MSR write change nothing
/// and send nothing, the MSR raising #GP (§11.12.1.2: no x2APIC MSRs outside x2APIC mode).
/// </summary>
public sealed class ApicGloballyDisabledNamedAccessTests
{
    [Theory]
    [InlineData("xapic")]   // xAPIC -> disabled
    [InlineData("x2apic")]  // x2APIC -> disabled (the only legal way out of x2APIC mode)
    public void Named_reads_see_the_reset_register_file_and_named_writes_are_dropped_SDM_11_4_7_1(string apic)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: disabled-named-access
            kernel: {mode: bare}
            machine: {cpus: 2, apic: {{{apic}}}}
            handlers:
              - {vector: 13, do: []}
              - {vector: 0x40, do: [eoi]}
            steps:
              - {write: {cpu: 1, reg: apic.tpr, value: 0x30}}
              - {write: {cpu: 1, reg: apic.lvt.lint0, value: 0x700}}
              - {write: {cpu: 1, msr: 0x1B, value: 0xFEE00000}}
              - {read: {cpu: 1, reg: apic.id, as: id}}
              - {read: {cpu: 1, reg: apic.version, as: version}}
              - {read: {cpu: 1, reg: apic.tpr, as: tpr}}
              - {read: {cpu: 1, reg: apic.svr, as: svr}}
              - {read: {cpu: 1, reg: apic.lvt.lint0, as: lint0}}
              - {read: {cpu: 1, reg: apic.dfr, as: dfr}}
              - {write: {cpu: 1, reg: apic.tpr, value: 0x50}}
              - {read: {cpu: 1, reg: apic.tpr, as: tpr_after_write}}
              - {expect: {cpu: 1, reg: apic.svr, equals: 0xFF}}
              - {ipi: {from: 1, to: 0, vector: 0x40}}
              - {ipi: {from: 1, to: self, vector: 0x40}}
              - {advance: 1us}
              - {read: {cpu: 1, msr: 0x1B, as: base}}
            """);
        ulong Read(string name) => Sim.Read(r, name).Scalar;
        Assert.Equal(0x0100_0000UL, Read("id"));
        Assert.Equal(0x0106_0014UL, Read("version"));
        Assert.Equal(0UL, Read("tpr"));
        Assert.Equal(0xFFUL, Read("svr"));
        Assert.Equal(0x1_0000UL, Read("lint0"));
        Assert.Equal(0xFFFF_FFFFUL, Read("dfr"));
        Assert.Equal(0UL, Read("tpr_after_write"));
        Assert.Equal(0xFEE0_0000UL, Read("base"));
        Assert.All(r.Expects, e => Assert.True(e.Ok, e.Detail));
        Assert.Empty(r.Dispatch);
        Assert.Empty(r.Faults);
    }

    /// <summary>The x2APIC MSRs do not exist outside x2APIC mode (SDM Vol. 3A §11.12.1.2): RDMSR and WRMSR of
    /// 0x800-0x8FF on a disabled APIC raise #GP, as the raw form of a step is the instruction itself.</summary>
    [Fact]
    public void Raw_x2APIC_MSRs_fault_while_the_APIC_is_disabled_SDM_11_12_1_2()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: disabled-msr
            kernel: {mode: bare}
            machine: {cpus: 2, apic: x2apic}
            handlers:
              - {vector: 13, do: []}
            steps:
              - {write: {cpu: 1, msr: 0x1B, value: 0xFEE00000}}
              - {read: {cpu: 1, msr: 0x802, as: id}}
              - {write: {cpu: 1, msr: 0x808, value: 0x20}}
            """);
        Assert.Equal(0UL, Sim.Read(r, "id").Scalar);
        Assert.Equal(2, r.Dispatch.Count(d => d.Cpu == 1 && d.Vector == 13));
    }
}
