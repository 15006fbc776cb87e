namespace IrqLab.Hardware.Pic;

/// <summary>
/// What the master 8259's INT output drives: LINT0 programmed ExtINT in virtual-wire mode, or an IOAPIC pin in ExtINT
/// mode (shared/reference/x86-events.md §5.7). Which IOAPIC pin, if any, carries the 8259 INT is board-specific (Linux
/// looks for the MP-table ExtINT entry, ioapic_i8259.pin); ISA IRQ0 (the PIT) reaches the IOAPIC on pin 2, not pin 0
/// (reference §4.2, QEMU ioapic_set_irq).
/// </summary>
public interface IPicHost
{
    /// <summary>Called when the master INT output changes level (never twice with the same value).</summary>
    /// <param name="asserted">The new level of INT.</param>
    void IntrChanged(bool asserted);
}
