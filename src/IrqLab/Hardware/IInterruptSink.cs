namespace IrqLab.Hardware;

/// <summary>Where interrupt sources (IOAPIC, MSI, ICR) send their messages: normally the <c>InterruptBus</c>.</summary>
public interface IInterruptSink
{
    /// <summary>Delivers one message to the APICs it addresses.</summary>
    void Deliver(in InterruptMessage message);
}
