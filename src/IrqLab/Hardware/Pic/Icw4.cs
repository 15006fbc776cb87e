namespace IrqLab.Hardware.Pic;

/// <summary>ICW4 bits (8259A datasheet).</summary>
[Flags]
internal enum Icw4 : byte
{
    /// <summary>µPM: 8086/88 mode (required on x86).</summary>
    Microprocessor8086 = 0x01,

    /// <summary>AEOI: automatic end of interrupt.</summary>
    AutoEoi = 0x02,

    /// <summary>M/S: master when buffered.</summary>
    BufferedMaster = 0x04,

    /// <summary>BUF: buffered mode.</summary>
    Buffered = 0x08,

    /// <summary>SFNM: special fully nested mode.</summary>
    SpecialFullyNested = 0x10,
}
