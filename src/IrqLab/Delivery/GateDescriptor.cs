namespace IrqLab.Delivery;

/// <summary>
/// A 16-byte IA-32e IDT gate (SDM Vol. 3A §6.14.1, Figure 6-8; shared/reference/x86-events.md §2.1): offset 15:0 in bits
/// 15:0, selector in 31:16, IST in 34:32, type in 43:40, S in 44, DPL in 46:45, P in 47, offset 31:16 in 63:48, offset
/// 63:32 in 95:64, bits 108:104 (upper-half type) zero.
/// </summary>
/// <param name="Offset">Handler entry point (64-bit linear address).</param>
/// <param name="Selector">Target code-segment selector.</param>
/// <param name="Ist">IST index 0..7 (0 = no stack switch by IST).</param>
/// <param name="Type">Gate type (see <see cref="GateType"/> for the invalid-marker bits).</param>
/// <param name="Dpl">Descriptor privilege level, checked only for INT n / INT3 / INTO.</param>
/// <param name="Present">The P bit.</param>
public readonly record struct GateDescriptor(ulong Offset, ushort Selector, byte Ist, GateType Type, byte Dpl, bool Present)
{
    private const byte NotSystemFlag = 0x10;
    private const byte UpperTypeFlag = 0x20;

    /// <summary>A present DPL-0 interrupt gate (type byte 0x8E).</summary>
    public static GateDescriptor InterruptGate(ulong offset, ushort selector, byte ist = 0, byte dpl = 0) =>
        new(offset, selector, ist, GateType.Interrupt, dpl, true);

    /// <summary>A present DPL-0 trap gate (type byte 0x8F).</summary>
    public static GateDescriptor TrapGate(ulong offset, ushort selector, byte ist = 0, byte dpl = 0) =>
        new(offset, selector, ist, GateType.Trap, dpl, true);

    /// <summary>True when the type is a 64-bit interrupt or trap gate (the only legal types in IA-32e mode).</summary>
    public bool IsValid64 => Type is GateType.Interrupt or GateType.Trap;

    /// <summary>Decodes 16 raw bytes (little-endian, byte 0 in the low bits).</summary>
    public static GateDescriptor Decode(UInt128 raw)
    {
        var low = (ulong)raw;
        var high = (ulong)(raw >> 64);
        var offset = (low & 0xFFFF) | (((low >> 48) & 0xFFFF) << 16) | ((high & 0xFFFF_FFFF) << 32);
        var selector = (ushort)(low >> 16);
        var ist = (byte)((low >> 32) & 0x7);
        var type = (byte)((low >> 40) & 0xF);
        if (((low >> 44) & 1) != 0)
        {
            type |= NotSystemFlag;
        }

        if (((high >> 40) & 0x1F) != 0)
        {
            type |= UpperTypeFlag;
        }

        var dpl = (byte)((low >> 45) & 0x3);
        var present = ((low >> 47) & 1) != 0;
        return new GateDescriptor(offset, selector, ist, (GateType)type, dpl, present);
    }

    /// <summary>Encodes the 16 raw bytes; the inverse of <see cref="Decode"/>.</summary>
    public UInt128 Encode()
    {
        var type = (byte)Type;
        var low = (Offset & 0xFFFF)
            | ((ulong)Selector << 16)
            | ((ulong)(Ist & 0x7) << 32)
            | ((ulong)(type & 0xF) << 40)
            | ((type & NotSystemFlag) != 0 ? 1UL << 44 : 0)
            | ((ulong)(Dpl & 0x3) << 45)
            | (Present ? 1UL << 47 : 0)
            | (((Offset >> 16) & 0xFFFF) << 48);
        var high = (Offset >> 32) | ((type & UpperTypeFlag) != 0 ? 1UL << 40 : 0);
        return ((UInt128)high << 64) | low;
    }
}
