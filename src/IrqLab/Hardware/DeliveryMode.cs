namespace IrqLab.Hardware;

/// <summary>Delivery mode field of an interrupt message (ICR, LVT, IOAPIC RTE, MSI data bits 10:8; SDM §11.6.1).</summary>
public enum DeliveryMode : byte
{
    /// <summary>000: deliver the vector to the destination(s).</summary>
    Fixed = 0,

    /// <summary>001: deliver to the lowest-priority processor among the destinations.</summary>
    LowestPriority = 1,

    /// <summary>010: system management interrupt; the vector must be 0.</summary>
    Smi = 2,

    /// <summary>100: non-maskable interrupt; the vector is ignored.</summary>
    Nmi = 4,

    /// <summary>101: INIT.</summary>
    Init = 5,

    /// <summary>110: start-up IPI (SIPI); the vector gives the start page.</summary>
    StartUp = 6,

    /// <summary>111: external interrupt: the vector comes from the 8259 through an INTA cycle.</summary>
    ExtInt = 7,
}
