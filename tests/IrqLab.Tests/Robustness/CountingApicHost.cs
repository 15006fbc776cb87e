using IrqLab.Hardware;
using IrqLab.Hardware.Apic;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// A one-APIC <see cref="ILocalApicHost"/> that allocates nothing per call (the fuzzers make millions of calls): IPIs
/// other than all-excluding-self loop back to the same APIC, signals are only counted.
/// </summary>
internal sealed class CountingApicHost : ILocalApicHost
{
    private int _depth;

    public LocalApic? Apic { get; set; }

    public long NowNs { get; set; }

    public long Ipis { get; private set; }

    public long Signals { get; private set; }

    public long BroadcastEois { get; private set; }

    public void SendIpi(LocalApic source, in InterruptMessage message)
    {
        Ipis++;
        if (message.Shorthand == DestinationShorthand.AllExcludingSelf || _depth > 4)
        {
            return;
        }

        _depth++;
        source.Accept(message);
        _depth--;
    }

    public void InterruptLineChanged(LocalApic apic)
    {
    }

    public void SignalNmi(LocalApic apic) => Signals++;

    public void SignalInit(LocalApic apic) => Signals++;

    public void SignalStartup(LocalApic apic, int vector) => Signals++;

    public void SignalSmi(LocalApic apic) => Signals++;

    public void SignalExtInt(LocalApic apic) => Signals++;

    public void BroadcastEoi(LocalApic apic, int vector) => BroadcastEois++;

    public void TimerChanged(LocalApic apic)
    {
    }
}
