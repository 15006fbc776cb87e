namespace IrqLab.Hardware.Pic;

/// <summary>
/// What the master 8259's INT output drives: LINT0 programmed ExtINT in virtual-wire mode, or an IOAPIC pin in ExtINT
/// mode (shared/reference/x86-events.md §5.7). On the PC, IOAPIC pin 0 is wired to the 8259 INT output and the PIT
/// (ISA IRQ0) to pin 2.
/// </summary>
public interface IPicHost
{
    /// <summary>Called when the master INT output changes level (never twice with the same value).</summary>
    /// <param name="asserted">The new level of INT.</param>
    void IntrChanged(bool asserted);
}
