// <example>
using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using IrqLab.Hardware.IoApic;
using IrqLab.Hardware.Pic;

namespace MyEmulator;

/// <summary>An emulator's glue: the APIC calls back here; a real VMM would wake its vCPU thread instead of logging.</summary>
public sealed class EmulatorHost : ILocalApicHost, IPicHost
{
    public long NowNs { get; set; }
    public IoApic? IoApic { get; set; }
    public List<string> Log { get; } = [];
    public void SendIpi(LocalApic source, in InterruptMessage message) => Bus?.Deliver(message);
    public InterruptBus? Bus { get; set; }
    public void InterruptLineChanged(LocalApic apic) => Log.Add($"INTR={apic.HasInterrupt}");
    public void SignalNmi(LocalApic apic) => Log.Add("NMI");
    public void SignalInit(LocalApic apic) { }
    public void SignalStartup(LocalApic apic, int vector) { }
    public void SignalSmi(LocalApic apic) { }
    public void SignalExtInt(LocalApic apic) => Log.Add("ExtINT");
    public void BroadcastEoi(LocalApic apic, int vector) => IoApic?.BroadcastEoi(vector); // level EOI reaches the IOAPIC
    public void TimerChanged(LocalApic apic) { }
    public void IntrChanged(bool asserted) => Log.Add($"8259 INT={asserted}");

    public static List<string> Run()
    {
        var host = new EmulatorHost();
        var apic = new LocalApic(0, apicId: 0, host, new LocalApicOptions { LinuxInit = true });
        host.Bus = new InterruptBus([apic]);
        host.IoApic = new IoApic(id: 0, pins: 24, host.Bus);
        // A level-triggered disk on pin 14, vector 0x41, to APIC 0.
        host.IoApic.SetEntry(14, RedirectionEntry.Create(0x41, triggerMode: TriggerMode.Level).Raw);
        host.IoApic.SetPinLevel(14, electricalHigh: true);
        var vector = apic.Acknowledge();                 // the vCPU took INTR: IRR -> ISR
        host.Log.Add($"vector 0x{vector:x2}, ISR [{string.Join(",", apic.Isr.ToArray())}]");
        host.IoApic.SetPinLevel(14, electricalHigh: false); // the driver acknowledged the device
        apic.Eoi();                                      // TMR set: EOI broadcast clears remote IRR
        host.Log.Add($"remote IRR {host.IoApic.GetEntry(14).RemoteIrr}");
        var pic = new Pic8259Pair(host);
        foreach (var (port, value) in new (ushort, byte)[] { (0x20, 0x11), (0x21, 0x20), (0x21, 0x04), (0x21, 0x01), (0x21, 0xFE) })
        {
            pic.WritePort(port, value);                  // ICW1-4, then OCW1: only IRQ0 open
        }

        pic.SetIrq(0, level: true);
        host.Log.Add($"8259 INTA -> vector 0x{pic.Acknowledge():x2}");
        return host.Log;
    }
}
// </example>
