using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// docs/simulation.md "Accounting": a device raise merged into one already pending is counted in <c>raised</c> and
/// <c>coalesced</c>. An MSI or MSI-X vector that <c>note_interrupt()</c> disabled ("nobody cared", kernel/irq/spurious.c)
/// is masked by <c>handle_edge_irq()</c>'s <c>mask_ack_irq()</c> at its next interrupt (the lazy disable,
/// kernel/irq/chip.c); from then on the device latches one pending bit (PCIe base spec, MSI-X Pending Bit Array), and
/// every later raise merges into it.
/// </summary>
public sealed class MaskedMsiAccountingTests
{
    public static TheoryData<string> Devices => new()
    {
        "msi: {}",
        "msix: {vectors: 1}",
    };

    [Theory]
    [MemberData(nameof(Devices))]
    public void Raises_of_a_masked_vector_with_its_pending_bit_set_count_as_raised_and_coalesced(string kind)
    {
        var r = Sim.Run($$"""
            irqlab: 1
            name: masked-msi
            kernel: {version: "6.10"}
            machine: {cpus: 1}
            devices:
              - name: nic
                {{kind}}
                handler: {returns: none}
            workload:
              - {device: nic, rate: 1000/ms, pattern: periodic}
            run: {until: 101ms}
            """);

        // One raise per microsecond: 101000 raises. The 100000th interrupt (100 ms) trips note_interrupt; the 100001st
        // finds the irq disabled and masks the vector; the 100002nd latches the pending bit and the other 998 merge.
        Assert.Contains(r.Messages, m => m.Text == "Disabling IRQ #24");
        Assert.Equal(100_000UL, Sim.Count(r, "24", 0));
        Assert.Equal(101_000, r.Stats.Raised);
        Assert.Equal(100_001, r.Stats.Delivered);
        Assert.Equal(1, r.Stats.Masked);
        Assert.Equal(998, r.Stats.Coalesced);
        Assert.Null(Sim.Unconserved(r));
    }
}
