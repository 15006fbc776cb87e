namespace IrqLab.Hardware;

/// <summary>Trigger mode of an interrupt (SDM §11.6.1).</summary>
public enum TriggerMode : byte
{
    /// <summary>Edge triggered.</summary>
    Edge = 0,

    /// <summary>Level triggered: the LAPIC sets TMR, and EOI is broadcast to the IOAPICs.</summary>
    Level = 1,
}
