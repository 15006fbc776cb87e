namespace IrqLab.Hardware;

/// <summary>Destination mode of an interrupt message (SDM §11.6.2).</summary>
public enum DestinationMode : byte
{
    /// <summary>The destination field is an APIC ID.</summary>
    Physical = 0,

    /// <summary>The destination field is a message destination address matched against LDR/DFR.</summary>
    Logical = 1,
}
