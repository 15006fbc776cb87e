namespace IrqLab.Hardware;

/// <summary>ICR destination shorthand, bits 19:18 (SDM §11.6.1).</summary>
public enum DestinationShorthand : byte
{
    /// <summary>00: use the destination field.</summary>
    None = 0,

    /// <summary>01: the sender itself.</summary>
    Self = 1,

    /// <summary>10: all processors including the sender.</summary>
    AllIncludingSelf = 2,

    /// <summary>11: all processors except the sender.</summary>
    AllExcludingSelf = 3,
}
