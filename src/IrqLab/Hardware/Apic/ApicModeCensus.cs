namespace IrqLab.Hardware.Apic;

/// <summary>
/// How many local APICs of one <see cref="InterruptBus"/> are in xAPIC mode, kept up to date by the APICs as
/// IA32_APIC_BASE changes their mode. While none is, a logical message in the x2APIC format can match only the
/// APICs of the cluster it names (SDM §11.12.10.2), so the bus looks at those alone. An APIC on a second bus makes
/// both buses' counts unreliable (<see cref="Shared"/>): they then match every APIC, as without a census.
/// </summary>
internal sealed class ApicModeCensus
{
    /// <summary>APICs in xAPIC mode.</summary>
    public int XApicCount { get; private set; }

    /// <summary>An APIC of this bus was put on another bus, which took over its mode reports.</summary>
    public bool Shared { get; set; }

    /// <summary>True when no APIC can match a logical message outside the message's x2APIC cluster.</summary>
    public bool AllX2Apic => XApicCount == 0 && !Shared;

    /// <summary>Counts one APIC in <paramref name="mode"/> (when the bus is built).</summary>
    public void Add(LocalApicMode mode)
    {
        if (mode == LocalApicMode.XApic)
        {
            XApicCount++;
        }
    }

    /// <summary>An APIC went from <paramref name="previous"/> to <paramref name="next"/>.</summary>
    public void Changed(LocalApicMode previous, LocalApicMode next)
    {
        if (previous == LocalApicMode.XApic)
        {
            XApicCount--;
        }

        if (next == LocalApicMode.XApic)
        {
            XApicCount++;
        }
    }
}
