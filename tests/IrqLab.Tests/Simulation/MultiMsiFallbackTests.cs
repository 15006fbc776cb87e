using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A linux-mode <c>msi: {vectors: N}</c> device with N &gt; 1: x86 without interrupt remapping has no
/// <c>MSI_FLAG_MULTI_PCI_MSI</c>, so <c>msi_capability_init()</c> (drivers/pci/msi/msi.c) returns 1 and
/// <c>__pci_enable_msi_range()</c> retries with one vector: <c>pci_alloc_irq_vectors(dev, 1, N, PCI_IRQ_MSI)</c> gets a
/// single irq, silently, and the function (Multiple Message Enable 000) sends message 0 for every condition.
/// </summary>
public sealed class MultiMsiFallbackTests
{
    [Theory]
    [InlineData("6.1", "PCI-MSI", "524288-edge")]
    [InlineData("6.6", "PCI-MSI-0000:01:00.0", "0-edge")]
    [InlineData("6.9", "PCI-MSI-0000:01:00.0", "0-edge")]
    [InlineData("6.10", "PCI-MSI-0000:01:00.0", "0-edge")]
    [InlineData("latest", "PCI-MSI-0000:01:00.0", "0-edge")]
    public void Multi_message_msi_gets_one_vector_msi_capability_init(string version, string chip, string hwirq)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: multi-msi
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 2}
            devices:
              - {name: ahci, msi: {vectors: 4}, handler: {returns: handled, cost: 1us}}
            steps:
              - {raise: ahci}
              - {advance: 10us}
              - {raise: {device: ahci, vector_index: 3}}
              - {advance: 10us}
            """);

        Assert.Empty(r.Messages);
        var row = Assert.Single(r.InterruptRows, x => x.Row == "24");
        Assert.Equal(chip, row.Chip);
        Assert.Equal(hwirq, row.Hwirq);
        Assert.DoesNotContain(r.InterruptRows, x => x.Row == "25");
        Assert.Equal(2, r.Dispatch.Count(d => d.Irq == 24));
        Assert.Equal(2, r.Dispatch.Count);
    }
}
