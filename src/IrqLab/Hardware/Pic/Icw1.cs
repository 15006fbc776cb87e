namespace IrqLab.Hardware.Pic;

/// <summary>ICW1 bits (8259A datasheet; written to port A0=0 with bit 4 set).</summary>
[Flags]
internal enum Icw1 : byte
{
    /// <summary>IC4: ICW4 follows.</summary>
    Ic4 = 0x01,

    /// <summary>SNGL: single chip, no ICW3.</summary>
    Single = 0x02,

    /// <summary>ADI: call address interval 4 (8080 only).</summary>
    Adi = 0x04,

    /// <summary>LTIM: all inputs level-triggered.</summary>
    Ltim = 0x08,

    /// <summary>Marks the byte as ICW1.</summary>
    Init = 0x10,
}
