namespace IrqLab.Hardware.Msi;

/// <summary>Why an MSI write does not become an interrupt message (shared/reference/x86-events.md §6).</summary>
public enum MsiDecodeError
{
    /// <summary>A valid compatibility-format interrupt message.</summary>
    None = 0,

    /// <summary>The address is not in the 0xFEExxxxx interrupt window (upper dword must be 0).</summary>
    NotInterruptAddress = 1,

    /// <summary>Address bit 4 is set: a VT-d remappable-format message, which needs interrupt remapping (not modelled).</summary>
    RemappableFormat = 2,

    /// <summary>Data bits 10:8 hold a reserved delivery mode (011 or 110).</summary>
    ReservedDeliveryMode = 3,
}
