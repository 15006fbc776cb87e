namespace IrqLab.Delivery;

/// <summary>One event the CPU delivers: its FRED/VMX type, vector, error code and event data.</summary>
/// <param name="Type">The event type.</param>
/// <param name="Vector">The vector (0..255).</param>
/// <param name="ErrorCode">The error code the source supplies, or null. Only hardware exceptions whose vector pushes one
/// (SDM Vol. 3A Table 6-1, <see cref="IrqLab.Vectors.ExceptionTable"/>) put it in the frame.</param>
/// <param name="EventData">FRED event data: CR2 for #PF, DR6-style causes for #DB, IA32_XFD_ERR for #NM, the NMI-source
/// bitmap for NMI; ignored for other events.</param>
public readonly record struct CpuEvent(EventType Type, byte Vector, ulong? ErrorCode = null, ulong EventData = 0)
{
    /// <summary>A maskable external interrupt on <paramref name="vector"/>.</summary>
    public static CpuEvent Interrupt(byte vector) => new(EventType.ExternalInterrupt, vector);

    /// <summary>An NMI (type 2, vector 2).</summary>
    public static CpuEvent Nmi() => new(EventType.Nmi, 2);

    /// <summary>A hardware exception.</summary>
    public static CpuEvent Exception(byte vector, ulong? errorCode = null, ulong eventData = 0) =>
        new(EventType.HardwareException, vector, errorCode, eventData);

    /// <summary>True for events raised by an instruction of the program (INT n, INT3, INTO): EXT = 0 and the gate DPL is checked (SDM 6.12.1.1).</summary>
    public bool IsSoftwareInitiated => Type is EventType.SoftwareInterrupt or EventType.SoftwareException;
}
