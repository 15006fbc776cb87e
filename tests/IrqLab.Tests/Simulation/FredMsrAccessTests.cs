using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// RDMSR/WRMSR of the FRED MSRs under <c>delivery: fred</c>: a CPU that delivers events through FRED has
/// IA32_FRED_RSP0..3 (0x1CC-0x1CF), IA32_FRED_STKLVLS (0x1D0) and IA32_FRED_CONFIG (0x1D4) (FRED spec §4, "FRED MSRs"),
/// so a read gives what Linux programmed (arch/x86/kernel/fred.c <c>cpu_init_fred_exceptions()</c>: red zone of one
/// 64-byte line, interrupt stack level 0; <c>cpu_init_fred_rsps()</c>: #DB 1, NMI 2, #DF 3, #MC 2) and a write is
/// checked as WRMSR checks it (#GP(0) for reserved CONFIG bits, an RSP not 64-byte aligned, a non-canonical address).
/// Before the fix every access raised #GP, as for an MSR the CPU lacks. Under IDT delivery nothing changes.
/// </summary>
public sealed class FredMsrAccessTests
{
    // IA32_FRED_STKLVLS as cpu_init_fred_rsps() writes it: FRED_STKLVL(vector, level) = level << (2 * vector).
    private const ulong LinuxStackLevels = (1UL << 2) | (2UL << 4) | (3UL << 16) | (2UL << 36);

    [Theory]
    [InlineData("linux", "xapic")]
    [InlineData("linux", "x2apic")]
    [InlineData("bare", "xapic")]
    public void Reads_of_the_FRED_MSRs_give_what_cpu_init_fred_exceptions_and_cpu_init_fred_rsps_wrote_FRED_spec_4(string mode, string apic)
    {
        var version = mode == "linux" ? ", version: \"6.10\"" : "";
        var r = Sim.Run($$$"""
            irqlab: 1
            name: fred-msr-read
            kernel: {mode: {{{mode}}}{{{version}}}, delivery: fred}
            machine: {cpus: 2, apic: {{{apic}}}}
            steps:
              - {read: {cpu: 1, msr: 0x1d4, as: config}}
              - {read: {cpu: 1, msr: 0x1d0, as: stklvls}}
              - {read: {cpu: 0, msr: 0x1cc, as: rsp0}}
            """);
        Assert.DoesNotContain(r.Dispatch, d => d.Vector == 13);
        var config = Sim.Read(r, "config").Scalar;
        Assert.Equal(1UL << 6, config & 0xFFF);                   // FRED_CONFIG_REDZONE, FRED_CONFIG_INT_STKLVL(0)
        Assert.NotEqual(0UL, config & ~0xFFFUL);                  // FRED_CONFIG_ENTRYPOINT(asm_fred_entrypoint_user)
        Assert.Equal(LinuxStackLevels, Sim.Read(r, "stklvls").Scalar);
    }

    [Theory]
    [InlineData(0x1D0, 0xFFFF_FFFF_FFFF_FFFFUL, false)]            // STKLVLS: 2 bits for each vector 0-31, none reserved
    [InlineData(0x1D4, 0xFFFF_FFFF_8100_0240UL, false)]            // CONFIG: entry page, red zone 1, interrupt SL 1
    [InlineData(0x1D4, 0xFFFF_FFFF_8100_0044UL, true)]             // CONFIG bit 2 reserved
    [InlineData(0x1D4, 0xFFFF_FFFF_8100_0840UL, true)]             // CONFIG bit 11 reserved
    [InlineData(0x1D4, 0x0000_8000_0000_0000UL, true)]             // CONFIG entry point not canonical
    [InlineData(0x1CD, 0xFFFF_FE00_0000_8000UL, false)]            // RSP1 64-byte aligned
    [InlineData(0x1CD, 0xFFFF_FE00_0000_8008UL, true)]             // RSP1 bits 5:0 reserved
    [InlineData(0x1CF, 0x0000_8000_0000_0000UL, true)]             // RSP3 not canonical
    public void A_write_to_a_FRED_MSR_is_stored_or_raises_GP_as_WRMSR_checks_it_FRED_spec_4(int msr, ulong value, bool gp)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: fred-msr-write
            kernel: {version: "6.10", delivery: fred}
            machine: {cpus: 2}
            steps:
              - {read: {cpu: 0, msr: {{{msr}}}, as: before}}
              - {write: {cpu: 0, msr: {{{msr}}}, value: {{{value}}}}}
              - {read: {cpu: 0, msr: {{{msr}}}, as: after}}
              - {read: {cpu: 1, msr: {{{msr}}}, as: other_cpu}}
            """);
        var before = Sim.Read(r, "before").Scalar;
        Assert.Equal(gp ? 1 : 0, r.Dispatch.Count(d => d.Vector == 13 && d.Handler == "exc_general_protection"));
        Assert.Equal(gp ? before : value, Sim.Read(r, "after").Scalar);
        Assert.Equal(before, Sim.Read(r, "other_cpu").Scalar); // the MSRs are per CPU
    }

    [Theory]
    [InlineData(0x1CC)]
    [InlineData(0x1D0)]
    [InlineData(0x1D4)]
    public void Under_IDT_delivery_the_FRED_MSRs_still_raise_GP(int msr)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: idt-fred-msr
            kernel: {version: "6.10", delivery: idt}
            machine: {cpus: 1}
            steps:
              - {read: {cpu: 0, msr: {{{msr}}}, as: v}}
            """);
        Assert.Single(r.Dispatch, d => d.Vector == 13);
        Assert.Equal(0UL, Sim.Read(r, "v").Scalar);
    }
}
