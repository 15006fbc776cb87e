namespace IrqLab.Hardware.IoApic;

/// <summary>Outcome of an IOAPIC register access: hardware never faults, it ignores what it does not decode.</summary>
public enum IoApicAccessResult
{
    /// <summary>The access reached a register.</summary>
    Ok = 0,

    /// <summary>The access was dropped (read-only register, unknown offset or index, EOI register on version 0x11).</summary>
    Ignored = 1,
}
