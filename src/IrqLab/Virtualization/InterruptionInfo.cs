using IrqLab.Delivery;

namespace IrqLab.Virtualization;

/// <summary>
/// A 32-bit VMX interruption-information value: the VM-entry interruption-information field (SDM 24.8.3), the VM-exit
/// interruption information (24.9.2) and the IDT-vectoring information (24.9.3) share this layout: vector 7:0,
/// type 10:8, error-code valid / deliver error code 11, NMI unblocking due to IRET 12 (exit field only), valid 31.
/// Masks as in Linux <c>arch/x86/include/asm/vmx.h</c> (<c>INTR_INFO_*</c>).
/// </summary>
/// <param name="Raw">The raw 32-bit field value.</param>
public readonly record struct InterruptionInfo(uint Raw)
{
    /// <summary>Bits 7:0, the vector (<c>INTR_INFO_VECTOR_MASK</c>).</summary>
    public const uint VectorMask = 0xFF;

    /// <summary>Bits 10:8, the interruption type (<c>INTR_INFO_INTR_TYPE_MASK</c>).</summary>
    public const uint TypeMask = 0x700;

    /// <summary>Bit 11, error code valid / deliver error code (<c>INTR_INFO_DELIVER_CODE_MASK</c>).</summary>
    public const uint ErrorCodeValidMask = 0x800;

    /// <summary>Bit 12, NMI unblocking due to IRET (<c>INTR_INFO_UNBLOCK_NMI</c>); reserved in the VM-entry field.</summary>
    public const uint NmiUnblockingMask = 0x1000;

    /// <summary>Bits 30:13, reserved (cleared to 0) in all three formats.</summary>
    public const uint ReservedMask = 0x7FFFE000;

    /// <summary>Bits 30:12, reserved in the VM-entry field (<c>INTR_INFO_RESVD_BITS_MASK</c>, SDM 26.2.1.3).</summary>
    public const uint EntryReservedMask = 0x7FFFF000;

    /// <summary>Bit 31, valid (<c>INTR_INFO_VALID_MASK</c>).</summary>
    public const uint ValidMask = 0x80000000;

    /// <summary>The vector, bits 7:0.</summary>
    public byte Vector => (byte)(Raw & VectorMask);

    /// <summary>The interruption type, bits 10:8.</summary>
    public EventType Type => (EventType)((Raw & TypeMask) >> 8);

    /// <summary>Bit 11: an error code is valid (exit, IDT-vectoring) or is to be delivered (entry).</summary>
    public bool ErrorCodeValid => (Raw & ErrorCodeValidMask) != 0;

    /// <summary>Bit 12: the exit was caused by a fault in an IRET that had already unblocked (virtual) NMIs (SDM 27.2.2).</summary>
    public bool NmiUnblockingDueToIret => (Raw & NmiUnblockingMask) != 0;

    /// <summary>Bit 31: the field is valid (entry: an event is to be injected).</summary>
    public bool Valid => (Raw & ValidMask) != 0;

    /// <summary>Bits 30:13 as they stand in <see cref="Raw"/> (always 0 in a value the CPU writes).</summary>
    public uint ReservedBits => Raw & ReservedMask;

    /// <summary>A valid value of <paramref name="type"/> and <paramref name="vector"/>, with bit 11 set when <paramref name="errorCode"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The vector is not 0..255 or the type not 0..7.</exception>
    public static InterruptionInfo Create(EventType type, int vector, bool errorCode)
    {
        if ((uint)vector > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(vector), vector, "vectors are 0..255");
        }

        if ((byte)type > 7)
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "interruption types are 0..7");
        }

        var raw = ValidMask | ((uint)type << 8) | (uint)vector;
        if (errorCode)
        {
            raw |= ErrorCodeValidMask;
        }

        return new InterruptionInfo(raw);
    }

    /// <summary>
    /// Parses the short type names used in scenario files and traces (<see cref="EventTypeNames"/>: <c>ext_int</c>,
    /// <c>nmi</c>, <c>hw_exc</c>, <c>sw_int</c>, <c>priv_sw_exc</c>, <c>sw_exc</c>, <c>other</c>, and <c>reserved</c>, so a
    /// scenario can exercise the reserved-type entry failure). Case-sensitive.
    /// </summary>
    public static bool TryParseTypeName(string name, out EventType type) => EventTypeNames.TryParse(name, out type);

    /// <summary>The short name of <paramref name="type"/>, the inverse of <see cref="TryParseTypeName"/>.</summary>
    public static string TypeName(EventType type) => EventTypeNames.ToJsonName(type);

    /// <summary>A readable form, e.g. <c>valid hw_exc vector 14 ec (0x80000b0e)</c>.</summary>
    public override string ToString() =>
        $"{(Valid ? "valid" : "invalid")} {TypeName(Type)} vector {Vector}{(ErrorCodeValid ? " ec" : string.Empty)}" +
        $"{(NmiUnblockingDueToIret ? " nmi-unblock" : string.Empty)} (0x{Raw:x8})";
}
