namespace IrqLab.Hardware;

/// <summary>
/// An interrupt message on the interrupt bus: what an ICR write, an IOAPIC redirection entry or an MSI write
/// turns into (SDM §11.6, §11.11). A small immutable value; creating one allocates nothing.
/// </summary>
/// <param name="Vector">The vector (ignored for NMI, INIT, SMI and ExtINT).</param>
/// <param name="DeliveryMode">Fixed, lowest priority, SMI, NMI, INIT, SIPI or ExtINT.</param>
/// <param name="DestinationMode">Physical or logical.</param>
/// <param name="Destination">Physical APIC ID or logical destination (8 bits in xAPIC, 32 in x2APIC).</param>
/// <param name="TriggerMode">Edge or level.</param>
/// <param name="Assert">Level: true = assert, false = de-assert (only INIT level de-assert uses false).</param>
/// <param name="Shorthand">ICR shorthand; None for IOAPIC and MSI messages.</param>
/// <param name="SourceApicId">APIC ID of the sender for IPIs, or -1 (IOAPIC and MSI messages).</param>
/// <param name="SourceCpu">CPU number of the sending local APIC for IPIs, or -1. The self and all-excluding-self
/// shorthands name the issuing APIC itself, not an APIC ID (SDM §11.6.1; KVM <c>kvm_apic_match_dest</c> compares the
/// target with the source), so they hold even when software gave two xAPICs the same ID.</param>
public readonly record struct InterruptMessage(
    byte Vector,
    DeliveryMode DeliveryMode,
    DestinationMode DestinationMode,
    uint Destination,
    TriggerMode TriggerMode = TriggerMode.Edge,
    bool Assert = true,
    DestinationShorthand Shorthand = DestinationShorthand.None,
    int SourceApicId = -1,
    int SourceCpu = -1)
{
    /// <summary>A fixed, edge, physical message to one APIC ID.</summary>
    public static InterruptMessage FixedTo(uint apicId, int vector) =>
        new((byte)vector, DeliveryMode.Fixed, DestinationMode.Physical, apicId);
}
