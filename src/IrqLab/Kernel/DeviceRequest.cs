using IrqLab.Scenarios.Model;

namespace IrqLab.Kernel;

/// <summary>A driver's <c>request_irq()</c> (or MSI/MSI-X vector allocation plus one <c>request_irq()</c> per vector).</summary>
/// <param name="Device">Device number used in platform calls.</param>
/// <param name="Name">Action name shown in /proc/interrupts.</param>
/// <param name="Kind">IO-APIC pin, ISA, MSI or MSI-X.</param>
/// <param name="IoApic">IO-APIC index (IoApicPin).</param>
/// <param name="Pin">IO-APIC pin (IoApicPin).</param>
/// <param name="IsaIrq">ISA IRQ 0-15 (Isa).</param>
/// <param name="Level">Level triggered (wired lines).</param>
/// <param name="ActiveLow">Active low (wired lines).</param>
/// <param name="Shared">IRQF_SHARED.</param>
/// <param name="Vectors">Number of MSI / MSI-X vectors.</param>
/// <param name="Affinity">Requested CPUs; MSI-X vector i targets <c>Affinity[i % n]</c>; empty = any.</param>
/// <param name="Returns">What the handler returns.</param>
/// <param name="CostNs">Time one handler call takes.</param>
public sealed record DeviceRequest(
    int Device,
    string Name,
    DeviceLineKind Kind,
    int IoApic,
    int Pin,
    int IsaIrq,
    bool Level,
    bool ActiveLow,
    bool Shared,
    int Vectors,
    IReadOnlyList<int> Affinity,
    HandlerReturn Returns,
    long CostNs)
{
    /// <summary>Symbol of the driver's handler for "nobody cared" reports; default <c>&lt;name&gt;_interrupt</c>.</summary>
    public string? HandlerSymbol { get; init; }
}
