using IrqLab.Hardware;
using IrqLab.Hardware.IoApic;
using IrqLab.Hardware.Msi;
using Xunit;
using IoApicDevice = IrqLab.Hardware.IoApic.IoApic;

namespace IrqLab.Tests.Hardware.IoApic;

/// <summary>ARCHITECTURE.md design rule: the hot path (SetPinLevel, BroadcastEoi, MSI-X Fire) allocates nothing.</summary>
public sealed class HotPathAllocationTests
{
    private sealed class CountingSink : IInterruptSink
    {
        public long Count;

        public void Deliver(in InterruptMessage message) => Count++;
    }

    private static void Loop(IoApicDevice ioApic, MsiXTable table, int rounds)
    {
        for (int i = 0; i < rounds; i++)
        {
            ioApic.SetPinLevel(1, true);  // edge
            ioApic.SetPinLevel(1, false);
            ioApic.PulsePin(1);
            ioApic.SetPinLevel(2, true);  // level
            ioApic.BroadcastEoi(0x42);    // re-delivers while high
            ioApic.SetPinLevel(2, false);
            ioApic.BroadcastEoi(0x42);
            table.Fire(0);
            table.Fire(1);                // masked: latches
        }
    }

    [Fact]
    public void SetPinLevel_BroadcastEoi_and_Fire_allocate_nothing()
    {
        var sink = new CountingSink();
        var ioApic = new IoApicDevice(0, 24, sink);
        ioApic.SetEntry(1, RedirectionEntry.Create(0x41).Raw);
        ioApic.SetEntry(2, RedirectionEntry.Create(0x42, triggerMode: TriggerMode.Level).Raw);
        var table = new MsiXTable(2, sink);
        table.SetEntry(0, MsiMessage.Compose(0, 0x50));
        table.SetMasked(0, false);

        Loop(ioApic, table, 10); // warm up (JIT, tiering)
        Assert.Equal(0, AllocationMeter.LeastPerRound(() => Loop(ioApic, table, 1000)));
        Assert.Equal(3010 * 5, sink.Count);
    }
}
