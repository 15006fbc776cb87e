namespace IrqLab.Hardware.Pic;

/// <summary>A snapshot of one 8259A's registers, for tests and output.</summary>
/// <param name="Irr">Interrupt request register.</param>
/// <param name="Isr">In-service register.</param>
/// <param name="Imr">Interrupt mask register (OCW1).</param>
/// <param name="VectorBase">ICW2 bits 7:3.</param>
/// <param name="Elcr">Edge/level control register (1 = level).</param>
/// <param name="LowestPriorityIrq">The IR input that currently has the lowest priority (7 after ICW1).</param>
/// <param name="AutoEoi">ICW4 AEOI.</param>
/// <param name="SpecialMask">Special mask mode (OCW3 ESMM/SMM).</param>
/// <param name="Initializing">True between ICW1 and the last ICW.</param>
public readonly record struct PicChipState(
    byte Irr,
    byte Isr,
    byte Imr,
    byte VectorBase,
    byte Elcr,
    int LowestPriorityIrq,
    bool AutoEoi,
    bool SpecialMask,
    bool Initializing);
