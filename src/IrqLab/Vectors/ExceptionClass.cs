namespace IrqLab.Vectors;

/// <summary>How an exception reports (SDM Vol. 3A §6.5): the saved RIP and whether the program can restart.</summary>
public enum ExceptionClass
{
    /// <summary>Reserved vector: the CPU never raises it.</summary>
    Reserved,

    /// <summary>Fault: saved RIP points at the faulting instruction.</summary>
    Fault,

    /// <summary>Trap: saved RIP points after the instruction.</summary>
    Trap,

    /// <summary>Fault or trap, depending on the cause (#DB).</summary>
    FaultOrTrap,

    /// <summary>Abort: no reliable restart (#DF, #MC).</summary>
    Abort,

    /// <summary>Not an exception but an interrupt (NMI on vector 2).</summary>
    Interrupt,
}
