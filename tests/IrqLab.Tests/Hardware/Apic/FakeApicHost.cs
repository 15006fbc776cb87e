using IrqLab.Hardware;
using IrqLab.Hardware.Apic;

namespace IrqLab.Tests.Hardware.Apic;

/// <summary>A recording ILocalApicHost; IPIs go to <see cref="Bus"/> when one is attached.</summary>
internal sealed class FakeApicHost : ILocalApicHost
{
    public long NowNs { get; set; }

    public InterruptBus? Bus { get; set; }

    public List<InterruptMessage> Sent { get; } = [];

    public List<string> Signals { get; } = [];

    public List<(int Cpu, int Vector)> BroadcastEois { get; } = [];

    public int LineChanges { get; private set; }

    public int TimerChanges { get; private set; }

    public void SendIpi(LocalApic source, in InterruptMessage message)
    {
        Sent.Add(message);
        Bus?.Deliver(message);
    }

    public void InterruptLineChanged(LocalApic apic) => LineChanges++;

    public void SignalNmi(LocalApic apic) => Signals.Add($"NMI:{apic.Index}");

    public void SignalInit(LocalApic apic) => Signals.Add($"INIT:{apic.Index}");

    public void SignalStartup(LocalApic apic, int vector) => Signals.Add($"SIPI:{apic.Index}:{vector:X2}");

    public void SignalSmi(LocalApic apic) => Signals.Add($"SMI:{apic.Index}");

    public void SignalExtInt(LocalApic apic) => Signals.Add($"EXTINT:{apic.Index}");

    public void BroadcastEoi(LocalApic apic, int vector) => BroadcastEois.Add((apic.Index, vector));

    public void TimerChanged(LocalApic apic) => TimerChanges++;

    /// <summary>Runs the timer like a simulator: advance to each expiry up to <paramref name="untilNs"/>.</summary>
    public void RunTimer(LocalApic apic, long untilNs)
    {
        while (apic.NextTimerEventNs <= untilNs)
        {
            NowNs = apic.NextTimerEventNs;
            apic.OnTimer(NowNs);
        }

        NowNs = untilNs;
    }

    public static (FakeApicHost Host, LocalApic Apic) One(bool x2Apic = false, bool linux = false, long timerHz = 1_000_000_000, long tscHz = 1_000_000_000)
    {
        var host = new FakeApicHost();
        var apic = new LocalApic(0, 0, host, new LocalApicOptions { X2Apic = x2Apic, LinuxInit = linux, TimerHz = timerHz, TscHz = tscHz });
        host.Bus = new InterruptBus([apic]);
        return (host, apic);
    }

    public static (FakeApicHost Host, LocalApic[] Apics, InterruptBus Bus) Many(int count, bool x2Apic = false)
    {
        var host = new FakeApicHost();
        var apics = new LocalApic[count];
        for (var i = 0; i < count; i++)
        {
            apics[i] = new LocalApic(i, (uint)i, host, new LocalApicOptions { X2Apic = x2Apic });
        }

        var bus = new InterruptBus(apics);
        host.Bus = bus;
        return (host, apics, bus);
    }
}
