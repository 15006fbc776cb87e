namespace IrqLab.Hardware.IoApic;

/// <summary>
/// One 64-bit IOAPIC redirection table entry (82093AA datasheet §3.2.4; shared/reference/x86-events.md §4.2).
/// Bits 7:0 vector, 10:8 delivery mode, 11 destination mode, 12 delivery status (RO), 13 polarity (1 = active low),
/// 14 remote IRR (RO), 15 trigger mode, 16 mask, 63:56 destination.
/// </summary>
/// <param name="Raw">The 64-bit register value.</param>
public readonly record struct RedirectionEntry(ulong Raw)
{
    /// <summary>Bit 12: delivery status (read-only).</summary>
    public const ulong DeliveryStatusBit = 1UL << 12;

    /// <summary>Bit 13: interrupt input pin polarity (1 = active low).</summary>
    public const ulong PolarityBit = 1UL << 13;

    /// <summary>Bit 14: remote IRR (read-only; level-triggered entries only).</summary>
    public const ulong RemoteIrrBit = 1UL << 14;

    /// <summary>Bit 15: trigger mode (1 = level).</summary>
    public const ulong TriggerModeBit = 1UL << 15;

    /// <summary>Bit 16: interrupt mask (1 = masked).</summary>
    public const ulong MaskBit = 1UL << 16;

    /// <summary>The bits software cannot change: delivery status and remote IRR.</summary>
    public const ulong ReadOnlyBits = DeliveryStatusBit | RemoteIrrBit;

    /// <summary>The value after reset: masked, everything else zero (as QEMU's ioapic_reset_common).</summary>
    public static RedirectionEntry Reset => new(MaskBit);

    /// <summary>Bits 7:0: the vector.</summary>
    public byte Vector => (byte)Raw;

    /// <summary>Bits 10:8: the delivery mode (values 3 and 6 are reserved in an RTE; see <see cref="HasReservedDeliveryMode"/>).</summary>
    public DeliveryMode DeliveryMode => (DeliveryMode)((Raw >> 8) & 7);

    /// <summary>True when bits 10:8 hold 011 or 110, which the 82093AA datasheet marks reserved.</summary>
    public bool HasReservedDeliveryMode => ((Raw >> 8) & 7) is 3 or 6;

    /// <summary>Bit 11: physical or logical destination.</summary>
    public DestinationMode DestinationMode => (DestinationMode)((Raw >> 11) & 1);

    /// <summary>Bit 12: 1 while a message for this pin is being sent.</summary>
    public bool DeliveryStatus => (Raw & DeliveryStatusBit) != 0;

    /// <summary>Bit 13: the input is active low.</summary>
    public bool ActiveLow => (Raw & PolarityBit) != 0;

    /// <summary>Bit 14: a level interrupt was accepted by a local APIC and awaits its EOI.</summary>
    public bool RemoteIrr => (Raw & RemoteIrrBit) != 0;

    /// <summary>Bit 15: edge or level.</summary>
    public TriggerMode TriggerMode => (Raw & TriggerModeBit) != 0 ? TriggerMode.Level : TriggerMode.Edge;

    /// <summary>Bit 16: the pin is masked.</summary>
    public bool Masked => (Raw & MaskBit) != 0;

    /// <summary>Bits 63:56: physical APIC ID or logical destination.</summary>
    public byte Destination => (byte)(Raw >> 56);

    /// <summary>Builds an entry from its fields (the read-only bits are zero).</summary>
    /// <param name="vector">Bits 7:0 (0..255).</param>
    /// <param name="deliveryMode">Bits 10:8.</param>
    /// <param name="destinationMode">Bit 11.</param>
    /// <param name="destination">Bits 63:56 (0..255).</param>
    /// <param name="triggerMode">Bit 15.</param>
    /// <param name="activeLow">Bit 13.</param>
    /// <param name="masked">Bit 16.</param>
    public static RedirectionEntry Create(
        int vector,
        DeliveryMode deliveryMode = DeliveryMode.Fixed,
        DestinationMode destinationMode = DestinationMode.Physical,
        uint destination = 0,
        TriggerMode triggerMode = TriggerMode.Edge,
        bool activeLow = false,
        bool masked = false)
    {
        if ((uint)vector > 0xFF)
        {
            throw new ArgumentOutOfRangeException(nameof(vector));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(destination, 0xFFu);
        ulong raw = (uint)vector
            | ((ulong)((byte)deliveryMode & 7) << 8)
            | ((ulong)((byte)destinationMode & 1) << 11)
            | (activeLow ? PolarityBit : 0)
            | (triggerMode == TriggerMode.Level ? TriggerModeBit : 0)
            | (masked ? MaskBit : 0)
            | ((ulong)destination << 56);
        return new RedirectionEntry(raw);
    }

    /// <summary>This entry with the mask bit set or cleared.</summary>
    /// <param name="masked">The new mask bit.</param>
    public RedirectionEntry WithMasked(bool masked) => new(masked ? Raw | MaskBit : Raw & ~MaskBit);

    /// <summary>
    /// The bus message this entry sends (QEMU ioapic_entry_parse turns it into exactly the MSI of reference §6.1).
    /// For ExtINT the vector field is passed through; the receiving LAPIC fetches the real vector from the 8259.
    /// </summary>
    public InterruptMessage ToMessage() => ToMessage(extendedDestinationId: false);

    /// <summary>
    /// The bus message; with <paramref name="extendedDestinationId"/> bits 55:49 supply APIC ID bits 14:8 (Linux's
    /// <c>virt_destid_8_14</c> of <c>struct IO_APIC_route_entry</c>, decoded by a VMM that offers
    /// KVM_FEATURE_MSI_EXT_DEST_ID, since QEMU turns the entry into an MSI).
    /// </summary>
    /// <param name="extendedDestinationId">Whether bits 55:49 extend the destination.</param>
    public InterruptMessage ToMessage(bool extendedDestinationId) =>
        new(Vector, DeliveryMode, DestinationMode, extendedDestinationId ? Destination | (ExtendedDestinationId << 8) : Destination, TriggerMode);

    /// <summary>Bits 55:49: APIC ID bits 14:8 where the platform decodes the extended destination ID (else reserved).</summary>
    public uint ExtendedDestinationId => (uint)(Raw >> 49) & 0x7F;
}
