using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// EOI-broadcast suppression (SDM Vol. 3A §11.8.5, Figure 11-23): the local APIC version register reports it (bit 24),
/// SVR bit 12 turns it on, and then the EOI of a level-triggered vector no longer reaches the IO-APIC: its remote IRR
/// stays set until software writes the vector to the IO-APIC's EOI register (version 0x20, offset 0x40).
/// </summary>
public sealed class DirectedEoiTests
{
    [Theory]
    [InlineData("0x1FF", 0x8045UL, 0x8045UL)]  // broadcast: the local EOI clears remote IRR
    [InlineData("0x11FF", 0xC045UL, 0x8045UL)] // suppressed: remote IRR (bit 14) waits for the directed EOI
    public void Svr_bit12_suppresses_the_EOI_broadcast_until_the_IOAPIC_EOI_register_is_written(string svr, ulong afterLocalEoi, ulong afterDirectedEoi)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: directed-eoi
            kernel: {mode: bare}
            machine: {cpus: 1, pic: false}
            devices:
              - {name: lvl, line: {ioapic: 0, pin: 5, trigger: level}}
            handlers:
              - {vector: 0x45, do: [eoi]}
            steps:
              - {read: {reg: apic.version, as: version}}
              - {write: {reg: apic.svr, value: {{{svr}}} }}
              - {write: {ioapic: 0, reg: redir.5, value: 0x8045}}
              - {pulse: lvl}
              - {advance: 1us}
              - {read: {ioapic: 0, reg: redir.5, as: after_local_eoi}}
              - {write: {ioapic: 0, reg: eoi, value: 0x45}}
              - {read: {ioapic: 0, reg: redir.5, as: after_directed_eoi}}
            """);

        Assert.NotEqual(0UL, Sim.Read(r, "version").Scalar & (1UL << 24));
        Assert.Equal(afterLocalEoi, Sim.Read(r, "after_local_eoi").Scalar);
        Assert.Equal(afterDirectedEoi, Sim.Read(r, "after_directed_eoi").Scalar);
        Assert.Single(r.Dispatch);
    }
}
