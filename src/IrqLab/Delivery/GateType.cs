namespace IrqLab.Delivery;

/// <summary>
/// The type field of a 64-bit IDT gate (SDM Vol. 3A §6.14.1, Table 3-2). Only 0xE and 0xF are legal in IA-32e mode;
/// other values (task gates, 16-bit gates, reserved) make delivery raise #GP. <see cref="GateDescriptor.Decode"/> sets
/// bit 4 (0x10) when the descriptor's S bit is set (not a system descriptor) and bit 5 (0x20) when the upper-half type
/// bits are non-zero; both make the gate invalid.
/// </summary>
public enum GateType : byte
{
    /// <summary>64-bit interrupt gate: delivery clears RFLAGS.IF.</summary>
    Interrupt = 0xE,

    /// <summary>64-bit trap gate: RFLAGS.IF unchanged.</summary>
    Trap = 0xF,
}
