namespace IrqLab.Delivery;

/// <summary>How an event delivery ended.</summary>
public enum DeliveryOutcomeKind
{
    /// <summary>An event was delivered: the original one, or (handled serially) the fault its delivery raised.</summary>
    Delivered,

    /// <summary>A fault during delivery combined with the event into #DF (SDM Table 6-5), and #DF was delivered.</summary>
    DoubleFault,

    /// <summary>A fault while delivering #DF: the CPU shuts down (SDM 6.15, Interrupt 8).</summary>
    TripleFault,
}
