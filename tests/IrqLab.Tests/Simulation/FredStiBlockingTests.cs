using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Blocking by STI across an event (SDM Vol. 2B "STI": "The inhibition ends after delivery of another event"; FRED
/// spec: the frame's SS word bit 16 and ERETS, reference x86-events.md §7.4-7.5; Bochs fred.cc
/// <c>FRED_EventDelivery</c> / <c>ERETS</c>). An instruction in the STI shadow that faults (here a WRMSR to x2APIC SELF
/// IPI with reserved bits, #GP, SDM §11.12.1.3) is delivered with the blocking in effect. FRED records it in the frame
/// and ERETS re-establishes it when IF is 1 after the return, so the next instruction (the EOI) still runs before the
/// pending higher-class interrupt is taken. IRET has no such bit: under IDT delivery the blocking is lost and the
/// interrupt nests before the EOI. The model restored it nowhere, so FRED behaved like IDT.
/// </summary>
public sealed class FredStiBlockingTests
{
    [Theory]
    [InlineData("idt", "[65, 81]")]  // IRET: no blocking after the #GP handler, 0x51 nests before the EOI of 0x41
    [InlineData("fred", "[81]")]     // ERETS with the frame's STI bit: the EOI runs in the restored shadow first
    public void Fault_in_the_sti_shadow_keeps_the_blocking_only_under_fred(string delivery, string isrIn51)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: fred-sti-bit
            kernel: {mode: bare, delivery: {{{delivery}}}}
            machine: {cpus: 1, apic: x2apic}
            handlers:
              - vector: 0x41
                do: [{ipi: {to: self, vector: 0x51}}, sti, {write: {reg: apic.self_ipi, value: 0x151}}, eoi]
              - vector: 0x51
                do: [{read: {reg: apic.isr, as: isr51}}, eoi]
              - vector: 13
                do: []
            steps:
              - {ipi: {to: self, vector: 0x41}}
            """);

        Assert.Equal(["vector_0x41", "vector_0x0d", "vector_0x51"], r.Dispatch.Select(d => d.Handler));
        Assert.Equal(isrIn51, Sim.Read(r, "isr51").ToString());
    }
}
