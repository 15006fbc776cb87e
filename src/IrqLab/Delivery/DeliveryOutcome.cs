namespace IrqLab.Delivery;

/// <summary>The result of delivering one event.</summary>
/// <param name="Kind">Delivered, double fault or triple fault.</param>
/// <param name="Delivered">The event actually delivered: the original, the #NP/#GP its gate raised, or #DF; for a triple
/// fault, the event whose delivery failed.</param>
/// <param name="Gate">The IDT gate used (IDT delivery), or null (FRED, triple fault).</param>
/// <param name="StackLevelOrIst">IDT: the gate's IST index (0 = none). FRED: the new current stack level.</param>
/// <param name="ClearedIf">True when delivery left RFLAGS.IF = 0 (interrupt gate, or always under FRED).</param>
public readonly record struct DeliveryOutcome(
    DeliveryOutcomeKind Kind,
    CpuEvent Delivered,
    GateDescriptor? Gate,
    int StackLevelOrIst,
    bool ClearedIf)
{
    /// <summary>True unless the CPU shut down.</summary>
    public bool IsDelivered => Kind != DeliveryOutcomeKind.TripleFault;
}
