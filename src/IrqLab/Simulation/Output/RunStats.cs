namespace IrqLab.Simulation.Output;

/// <summary>The output's <c>stats</c>: work done, and where every raised interrupt ended (conservation accounting).</summary>
public sealed record RunStats
{
    /// <summary>Engine events processed (queued events plus steps).</summary>
    public long Events { get; init; }

    /// <summary>Handler entries in all (the <c>dispatch</c> log may hold fewer: <c>--log-limit</c>). An extension key.</summary>
    public long Handlers { get; init; }

    /// <summary>Wall-clock time of the run in ms: the only non-deterministic field.</summary>
    public double WallMs { get; init; }

    /// <summary>Interrupt messages raised by sources (device lines, MSIs, IPIs, timers, NMIs).</summary>
    public long Raised { get; init; }

    /// <summary>Delivered to a CPU and handled.</summary>
    public long Delivered { get; init; }

    /// <summary>Merged into an already pending one (IRR bit set, edge already latched, NMI already latched).</summary>
    public long Coalesced { get; init; }

    /// <summary>Still pending at the end (IRR, PIR, latched).</summary>
    public long Pending { get; init; }

    /// <summary>Held by a mask at the end (IOAPIC/MSI-X/PIC).</summary>
    public long Masked { get; init; }

    /// <summary>Dropped with a reason (illegal vector, no destination, CPU shut down, ...).</summary>
    public long Dropped { get; init; }
}
