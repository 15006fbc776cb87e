using IrqLab.Hardware;

namespace IrqLab.Tests.Hardware.IoApic;

/// <summary>A fake interrupt bus that records every message; an optional hook runs inside Deliver (re-entrancy tests).</summary>
public sealed class MessageRecorder : IInterruptSink
{
    public List<InterruptMessage> Messages { get; } = [];

    public Action<InterruptMessage>? OnDeliver { get; set; }

    public int Count => Messages.Count;

    public InterruptMessage Last => Messages[^1];

    public void Deliver(in InterruptMessage message)
    {
        Messages.Add(message);
        OnDeliver?.Invoke(message);
    }
}
