using IrqLab.Hardware;
using IrqLab.Hardware.Apic;

namespace IrqLab.Benchmarks;

/// <summary>A machine that ignores every local APIC notification (the benchmarks poll the APIC themselves).</summary>
internal sealed class BenchApicHost : ILocalApicHost
{
    /// <inheritdoc/>
    public long NowNs => 0;

    /// <inheritdoc/>
    public void SendIpi(LocalApic source, in InterruptMessage message)
    {
    }

    /// <inheritdoc/>
    public void InterruptLineChanged(LocalApic apic)
    {
    }

    /// <inheritdoc/>
    public void SignalNmi(LocalApic apic)
    {
    }

    /// <inheritdoc/>
    public void SignalInit(LocalApic apic)
    {
    }

    /// <inheritdoc/>
    public void SignalStartup(LocalApic apic, int vector)
    {
    }

    /// <inheritdoc/>
    public void SignalSmi(LocalApic apic)
    {
    }

    /// <inheritdoc/>
    public void SignalExtInt(LocalApic apic)
    {
    }

    /// <inheritdoc/>
    public void BroadcastEoi(LocalApic apic, int vector)
    {
    }

    /// <inheritdoc/>
    public void TimerChanged(LocalApic apic)
    {
    }
}
