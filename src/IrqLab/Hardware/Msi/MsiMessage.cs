namespace IrqLab.Hardware.Msi;

/// <summary>
/// An MSI / MSI-X message: the address/data pair a device writes (compatibility format, Linux
/// arch/x86/include/asm/msi.h x86_msi_addr_lo / x86_msi_data; shared/reference/x86-events.md §6.1).
/// </summary>
/// <remarks>
/// <para><b>Model notes.</b> Address 31:20 = 0xFEE, 19:12 destination ID, 11:5 reserved (Linux/KVM "extended
/// destination ID" = APIC ID bits 14:8 when enabled, not architectural), 4 format (1 = remappable, refused), 3 RH,
/// 2 DM, 1:0 ignored. Data 7:0 vector, 10:8 delivery mode, 14 level (assert), 15 trigger. DM is honoured whatever RH
/// says (QEMU/KVM). RH = 1 with fixed delivery becomes lowest priority (KVM kvm_lowest_prio_delivery treats
/// msi_redir_hint like lowest priority). An edge message always asserts.</para>
/// </remarks>
/// <param name="Address">The 64-bit message address.</param>
/// <param name="Data">The 32-bit message data (upper 16 bits are 0 for MSI).</param>
public readonly record struct MsiMessage(ulong Address, uint Data)
{
    /// <summary>Base of the interrupt address window.</summary>
    public const ulong InterruptWindow = 0xFEE0_0000;

    /// <summary>Address bit 4: remappable format.</summary>
    public const ulong RemappableFormatBit = 1UL << 4;

    /// <summary>Address bit 3: redirection hint.</summary>
    public const ulong RedirectionHintBit = 1UL << 3;

    /// <summary>Address bit 2: logical destination mode.</summary>
    public const ulong DestinationModeBit = 1UL << 2;

    /// <summary>Data bit 14: level assert.</summary>
    public const uint LevelAssertBit = 1U << 14;

    /// <summary>Data bit 15: level trigger.</summary>
    public const uint TriggerModeBit = 1U << 15;

    /// <summary>Address bit 3: lowest-priority redirection allowed.</summary>
    public bool RedirectionHint => (Address & RedirectionHintBit) != 0;

    /// <summary>Address bits 19:12: the 8-bit destination ID.</summary>
    public byte DestinationId => (byte)(Address >> 12);

    /// <summary>Address bits 11:5: the Linux/KVM extended destination ID (APIC ID bits 14:8).</summary>
    public int ExtendedDestinationId => (int)((Address >> 5) & 0x7F);

    /// <summary>Data bits 7:0.</summary>
    public byte Vector => (byte)Data;

    /// <summary>Decodes a compatibility-format message with the architectural 8-bit destination. Allocation-free.</summary>
    /// <param name="message">The bus message when the result is <see cref="MsiDecodeError.None"/>, else default.</param>
    public MsiDecodeError TryDecode(out InterruptMessage message) => TryDecode(extendedDestinationId: false, out message);

    /// <summary>
    /// Decodes a compatibility-format message. With <paramref name="extendedDestinationId"/> (Linux
    /// virt_destid_8_14, KVM's extended destination ID for x2APIC guests) address bits 11:5 supply APIC ID bits 14:8.
    /// </summary>
    /// <param name="extendedDestinationId">Whether address bits 11:5 extend the destination.</param>
    /// <param name="message">The bus message when the result is <see cref="MsiDecodeError.None"/>, else default.</param>
    public MsiDecodeError TryDecode(bool extendedDestinationId, out InterruptMessage message)
    {
        message = default;
        if ((Address & 0xFFFF_FFFF_FFF0_0000UL) != InterruptWindow)
        {
            return MsiDecodeError.NotInterruptAddress;
        }

        if ((Address & RemappableFormatBit) != 0)
        {
            return MsiDecodeError.RemappableFormat;
        }

        uint mode = (Data >> 8) & 7;
        if (mode is 3 or 6)
        {
            return MsiDecodeError.ReservedDeliveryMode;
        }

        var deliveryMode = (DeliveryMode)mode;
        if (deliveryMode == DeliveryMode.Fixed && RedirectionHint)
        {
            deliveryMode = DeliveryMode.LowestPriority;
        }

        uint destination = DestinationId;
        if (extendedDestinationId)
        {
            destination |= (uint)ExtendedDestinationId << 8;
        }

        bool level = (Data & TriggerModeBit) != 0;
        message = new InterruptMessage(
            Vector,
            deliveryMode,
            (Address & DestinationModeBit) != 0 ? DestinationMode.Logical : DestinationMode.Physical,
            destination,
            level ? TriggerMode.Level : TriggerMode.Edge,
            Assert: !level || (Data & LevelAssertBit) != 0);
        return MsiDecodeError.None;
    }

    /// <summary>
    /// Composes a compatibility-format message as Linux __irq_msi_compose_msg does. APIC IDs above 255 use the
    /// extended destination ID bits 11:5 (up to 0x7FFF); a level message has its assert bit set.
    /// </summary>
    /// <param name="destApicId">Destination APIC ID (or logical MDA), 0..0x7FFF.</param>
    /// <param name="vector">Vector, 0..255.</param>
    /// <param name="mode">Delivery mode.</param>
    /// <param name="logical">Logical destination mode (DM bit).</param>
    /// <param name="trigger">Edge or level.</param>
    public static MsiMessage Compose(
        uint destApicId,
        int vector,
        DeliveryMode mode = DeliveryMode.Fixed,
        bool logical = false,
        TriggerMode trigger = TriggerMode.Edge)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destApicId, 0x7FFFu);
        if ((uint)vector > 0xFF)
        {
            throw new ArgumentOutOfRangeException(nameof(vector));
        }

        ulong address = InterruptWindow
            | ((ulong)(destApicId & 0xFF) << 12)
            | ((ulong)(destApicId >> 8) << 5)
            | (logical ? DestinationModeBit : 0);
        uint data = (uint)vector
            | ((uint)((byte)mode & 7) << 8)
            | (trigger == TriggerMode.Level ? TriggerModeBit | LevelAssertBit : 0);
        return new MsiMessage(address, data);
    }
}
