using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using IrqLab.Hardware.IoApic;
using IrqLab.Hardware.Msi;
using IrqLab.Tests.Hardware.Apic;
using IrqLab.Tests.Hardware.IoApic;
using Xunit;
using IoApicDevice = IrqLab.Hardware.IoApic.IoApic;

namespace IrqLab.Tests.Hardware;

/// <summary>
/// APIC IDs above 255 without interrupt remapping: KVM_FEATURE_MSI_EXT_DEST_ID (Documentation/virt/kvm/x86/cpuid.rst:
/// "extended destination ID bits in MSI address bits 11-5"; Linux <c>virt_destid_8_14</c> in
/// arch/x86/include/asm/msidef.h and <c>struct IO_APIC_route_entry</c>), and QEMU's
/// KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK when the machine has APIC IDs past 254.
/// </summary>
public sealed class ExtendedDestinationIdTests
{
    [Theory]
    [InlineData(0x12u, false, 0x12u)]
    [InlineData(0x1FFu, true, 0x1FFu)]
    [InlineData(0x1FFu, false, 0xFFu)]   // without the feature bits 11:5 are ignored: APIC ID 0x1FF is out of reach
    [InlineData(0x7FFFu, true, 0x7FFFu)] // 15 bits in all
    public void Msix_entry_decodes_apic_id_bits_14_8_from_address_bits_11_5_only_with_the_feature(uint apicId, bool extended, uint destination)
    {
        var sink = new MessageRecorder();
        var table = new MsiXTable(1, sink, extended);
        table.SetEntry(0, MsiMessage.Compose(apicId, 0x41));
        table.SetMasked(0, false);
        table.Fire(0);
        Assert.Equal(destination, sink.Last.Destination);
    }

    [Theory]
    [InlineData(0x12u, false, 0x12u)]
    [InlineData(0x12Cu, true, 0x12Cu)]
    [InlineData(0x12Cu, false, 0x2Cu)]
    [InlineData(0x7FFFu, true, 0x7FFFu)]
    public void Ioapic_rte_bits_55_49_extend_the_destination_only_with_the_feature(uint apicId, bool extended, uint destination)
    {
        var sink = new MessageRecorder();
        var ioApic = new IoApicDevice(0, 24, sink, extendedDestinationId: extended);
        var raw = RedirectionEntry.Create(0x41, destination: (byte)(apicId & 0xFF)).Raw | ((ulong)(apicId >> 8) << 49);
        Assert.Equal(apicId >> 8, new RedirectionEntry(raw).ExtendedDestinationId);
        ioApic.SetEntry(3, raw);
        ioApic.SetPinLevel(3, true);
        Assert.Equal(destination, sink.Last.Destination);
    }

    [Theory]
    [InlineData(true, new[] { 0, 1, 2, 3 })] // KVM's default: a legacy 0xFF also broadcasts to x2APIC targets
    [InlineData(false, new int[0])]          // quirk off: 0xFF is an APIC ID, and no APIC here has it
    public void Msi_destination_0xFF_is_a_broadcast_only_with_the_legacy_quirk(bool quirk, int[] expected)
    {
        var (_, apics, _) = FakeApicHost.Many(4, x2Apic: true);
        var bus = new InterruptBus(apics, legacyBroadcastQuirk: quirk);
        bus.Deliver(InterruptMessage.FixedTo(0xFF, 0x44));
        Assert.Equal(expected, apics.Where(a => a.Irr.IsSet(0x44)).Select(a => a.Index).ToArray());
    }

    [Fact]
    public void Without_the_quirk_0xFF_reaches_apic_id_255_alone_and_0xFFFFFFFF_still_broadcasts()
    {
        var host = new FakeApicHost();
        var apics = Enumerable.Range(0, 257).Select(i => new LocalApic(i, (uint)i, host, new LocalApicOptions { X2Apic = true })).ToArray();
        var bus = new InterruptBus(apics, legacyBroadcastQuirk: false);
        bus.Deliver(InterruptMessage.FixedTo(0xFF, 0x44));
        Assert.Equal([255], apics.Where(a => a.Irr.IsSet(0x44)).Select(a => a.Index).ToArray());
        bus.Deliver(InterruptMessage.FixedTo(0xFFFF_FFFF, 0x45));
        Assert.Equal(257, apics.Count(a => a.Irr.IsSet(0x45)));
    }
}
