namespace IrqLab.Hardware.Pic;

/// <summary>OCW3 bits (8259A datasheet; port A0=0, bits 4:3 = 01).</summary>
[Flags]
internal enum Ocw3 : byte
{
    /// <summary>RIS: read ISR (1) or IRR (0), applied when RR is set.</summary>
    ReadIsr = 0x01,

    /// <summary>RR: apply RIS.</summary>
    ReadRegister = 0x02,

    /// <summary>P: poll command.</summary>
    Poll = 0x04,

    /// <summary>Marks the byte as OCW3.</summary>
    Ocw3Marker = 0x08,

    /// <summary>SMM: special mask mode value, applied when ESMM is set.</summary>
    SpecialMask = 0x20,

    /// <summary>ESMM: apply SMM.</summary>
    EnableSpecialMask = 0x40,
}
