using IrqLab.Hardware;
using IrqLab.Hardware.IoApic;
using Xunit;
using IoApicDevice = IrqLab.Hardware.IoApic.IoApic;

namespace IrqLab.Tests.Hardware.IoApic;

/// <summary>Register access: 82093AA datasheet §3.0-3.2, shared/reference/x86-events.md §4.1-4.2, QEMU ioapic_mem_read/write.</summary>
public sealed class IoApicRegisterTests
{
    private static (IoApicDevice IoApic, MessageRecorder Sink) Create(int pins = 24, byte version = 0x20)
    {
        var sink = new MessageRecorder();
        return (new IoApicDevice(5, pins, sink, version), sink);
    }

    private static uint ReadReg(IoApicDevice ioApic, byte index)
    {
        Assert.Equal(IoApicAccessResult.Ok, ioApic.WriteMmio(0x00, index));
        Assert.Equal(IoApicAccessResult.Ok, ioApic.ReadMmio(0x10, out uint value));
        return value;
    }

    [Fact]
    public void IoRegSel_selects_and_IoWin_reads_the_register_82093AA_3_1()
    {
        var (ioApic, _) = Create();
        Assert.Equal(IoApicAccessResult.Ok, ioApic.WriteMmio(0x00, 0x01));
        Assert.Equal(IoApicAccessResult.Ok, ioApic.ReadMmio(0x00, out uint sel));
        Assert.Equal(0x01u, sel);
        Assert.Equal(0x0017_0020u, ReadReg(ioApic, 0x01));
    }

    [Theory]
    [InlineData(24, 0x20, 0x0017_0020u)] // reference §4.1: bits 23:16 = pins - 1
    [InlineData(24, 0x11, 0x0017_0011u)]
    [InlineData(8, 0x20, 0x0007_0020u)]
    [InlineData(120, 0x20, 0x0077_0020u)]
    public void IoApicVer_holds_version_and_max_redirection_entry_reference_4_1(int pins, byte version, uint expected)
    {
        var (ioApic, _) = Create(pins, version);
        Assert.Equal(expected, ioApic.ReadIndirect(IoApicDevice.VersionIndex));
    }

    [Fact]
    public void IoApicId_bits_27_24_are_writable_and_Ver_Arb_are_read_only_reference_4_1()
    {
        var (ioApic, _) = Create();
        Assert.Equal(5u << 24, ReadReg(ioApic, 0x00));
        Assert.Equal(5u << 24, ReadReg(ioApic, 0x02));
        Assert.Equal(IoApicAccessResult.Ok, ioApic.WriteIndirect(0x00, 0xFFFF_FFFF));
        Assert.Equal(0x0Fu << 24, ioApic.ReadIndirect(0x00));
        Assert.Equal(15, ioApic.Id);
        Assert.Equal(IoApicAccessResult.Ignored, ioApic.WriteIndirect(0x01, 0));
        Assert.Equal(IoApicAccessResult.Ignored, ioApic.WriteIndirect(0x02, 0));
        Assert.Equal(0x0017_0020u, ioApic.ReadIndirect(0x01));
    }

    [Theory]
    [InlineData(0x03)]
    [InlineData(0x0F)]
    [InlineData(0x10 + (2 * 24))] // one past the last RTE of a 24-pin IOAPIC
    [InlineData(0xFF)]
    public void Unknown_indexes_read_zero_and_ignore_writes_QEMU_ioapic_mem_read(byte index)
    {
        var (ioApic, _) = Create();
        Assert.Equal(0u, ioApic.ReadIndirect(index));
        Assert.Equal(IoApicAccessResult.Ignored, ioApic.WriteIndirect(index, 0x1234));
    }

    [Theory]
    [InlineData(0x04u)]
    [InlineData(0x20u)]
    [InlineData(0x44u)]
    [InlineData(0x1000u)]
    public void Unknown_mmio_offsets_are_ignored_reference_4_1(uint offset)
    {
        var (ioApic, _) = Create();
        Assert.Equal(IoApicAccessResult.Ignored, ioApic.WriteMmio(offset, 1));
        Assert.Equal(IoApicAccessResult.Ignored, ioApic.ReadMmio(offset, out uint value));
        Assert.Equal(0u, value);
    }

    [Fact]
    public void Every_RTE_is_masked_after_reset_reference_4_2()
    {
        var (ioApic, _) = Create();
        for (int pin = 0; pin < ioApic.Pins; pin++)
        {
            Assert.Equal(RedirectionEntry.MaskBit, ioApic.GetEntry(pin).Raw);
            Assert.Equal(0x0001_0000u, ioApic.ReadIndirect((byte)(0x10 + (2 * pin))));
            Assert.Equal(0u, ioApic.ReadIndirect((byte)(0x11 + (2 * pin))));
        }
    }

    [Fact]
    public void RTE_halves_are_written_through_0x10_plus_2n_and_0x11_plus_2n_reference_4_1()
    {
        var (ioApic, _) = Create();
        Assert.Equal(IoApicAccessResult.Ok, ioApic.WriteIndirect(0x10 + (2 * 7) + 1, 0x0300_0000));
        Assert.Equal(IoApicAccessResult.Ok, ioApic.WriteIndirect(0x10 + (2 * 7), 0x0001_A941));
        var entry = ioApic.GetEntry(7);
        Assert.Equal(0x0300_0000_0001_A941UL, entry.Raw);
        Assert.Equal(0x0001_A941u, ioApic.ReadIndirect(0x10 + (2 * 7)));
        Assert.Equal(0x0300_0000u, ioApic.ReadIndirect(0x11 + (2 * 7)));
    }

    public static TheoryData<ulong, byte, DeliveryMode, DestinationMode, bool, bool, TriggerMode, bool, byte> Fields => new()
    {
        // raw, vector, delivery, dest mode, active low, remote irr (always 0 after a write), trigger, masked, dest
        { 0x0000_0000_0000_0030UL, 0x30, DeliveryMode.Fixed, DestinationMode.Physical, false, false, TriggerMode.Edge, false, 0 },
        { 0x0100_0000_0000_0131UL, 0x31, DeliveryMode.LowestPriority, DestinationMode.Physical, false, false, TriggerMode.Edge, false, 1 },
        { 0xFF00_0000_0000_0A00UL, 0x00, DeliveryMode.Smi, DestinationMode.Logical, false, false, TriggerMode.Edge, false, 0xFF },
        { 0x0200_0000_0000_2400UL, 0x00, DeliveryMode.Nmi, DestinationMode.Physical, true, false, TriggerMode.Edge, false, 2 },
        { 0x0000_0000_0001_0500UL, 0x00, DeliveryMode.Init, DestinationMode.Physical, false, false, TriggerMode.Edge, true, 0 },
        { 0x0000_0000_0000_8700UL, 0x00, DeliveryMode.ExtInt, DestinationMode.Physical, false, false, TriggerMode.Level, false, 0 },
        { 0x0F00_0000_0001_A9FEUL, 0xFE, DeliveryMode.LowestPriority, DestinationMode.Logical, true, false, TriggerMode.Level, true, 0x0F },
    };

    [Theory]
    [MemberData(nameof(Fields))]
    public void Every_RTE_field_decodes_from_its_bits_reference_4_2(
        ulong raw, byte vector, DeliveryMode mode, DestinationMode destMode, bool activeLow, bool remoteIrr,
        TriggerMode trigger, bool masked, byte destination)
    {
        var (ioApic, _) = Create();
        ioApic.SetEntry(3, raw);
        var entry = ioApic.GetEntry(3);
        Assert.Equal(vector, entry.Vector);
        Assert.Equal(mode, entry.DeliveryMode);
        Assert.Equal(destMode, entry.DestinationMode);
        Assert.False(entry.DeliveryStatus);
        Assert.Equal(activeLow, entry.ActiveLow);
        Assert.Equal(remoteIrr, entry.RemoteIrr);
        Assert.Equal(trigger, entry.TriggerMode);
        Assert.Equal(masked, entry.Masked);
        Assert.Equal(destination, entry.Destination);
        Assert.Equal(raw, RedirectionEntry.Create(vector, mode, destMode, destination, trigger, activeLow, masked).Raw);
    }

    /// <summary>
    /// Delivery status (bit 12) and remote IRR (bit 14) are RO (82093AA §3.2.4; QEMU IOAPIC_RO_BITS): a write of them is
    /// ignored. The level rows matter for remote IRR: an edge entry clears remote IRR anyway, so only a level entry shows
    /// whether software could set it (and so block the pin's next level request).
    /// </summary>
    [Theory]
    [InlineData(0x31UL, RedirectionEntry.DeliveryStatusBit)]
    [InlineData(0x31UL, RedirectionEntry.RemoteIrrBit)]
    [InlineData(0x8031UL, RedirectionEntry.DeliveryStatusBit)] // level, unmasked, line idle
    [InlineData(0x8031UL, RedirectionEntry.RemoteIrrBit)]
    [InlineData(0x1_8031UL, RedirectionEntry.RemoteIrrBit)] // level, masked
    public void Writes_keep_the_read_only_bits_QEMU_IOAPIC_RO_BITS(ulong entry, ulong readOnlyBit)
    {
        var (ioApic, _) = Create();
        ioApic.SetEntry(1, entry | readOnlyBit);
        Assert.Equal(entry, ioApic.GetEntry(1).Raw);
        ioApic.WriteIndirect(0x12, (uint)(entry | readOnlyBit));
        Assert.Equal(entry, ioApic.GetEntry(1).Raw);
    }

    [Fact]
    public void A_level_entry_written_with_remote_IRR_set_still_delivers_its_line_82093AA_3_2_4()
    {
        var (ioApic, sink) = Create();
        ioApic.WriteIndirect(0x12, 0x8031 | (uint)RedirectionEntry.RemoteIrrBit);
        ioApic.SetPinLevel(1, electricalHigh: true);
        Assert.Single(sink.Messages);
        Assert.True(ioApic.GetEntry(1).RemoteIrr);
    }

    /// <summary>
    /// 82093AA datasheet §3.2.4, IOREDTBL bits 10:8 (Delivery Mode): 000 Fixed, 001 Lowest Priority, 010 SMI,
    /// 011 Reserved, 100 NMI, 101 INIT, 110 Reserved, 111 ExtINT. Exactly 011 and 110 are reserved; the other six are
    /// not, whatever the rest of the entry holds.
    /// </summary>
    [Theory]
    [InlineData(0, false)] // Fixed
    [InlineData(1, false)] // Lowest Priority
    [InlineData(2, false)] // SMI
    [InlineData(3, true)]  // Reserved
    [InlineData(4, false)] // NMI
    [InlineData(5, false)] // INIT
    [InlineData(6, true)]  // Reserved
    [InlineData(7, false)] // ExtINT
    public void Reserved_delivery_modes_011_110_are_flagged_82093AA_3_2_4(int mode, bool reserved)
    {
        Assert.Equal(reserved, new RedirectionEntry((ulong)mode << 8).HasReservedDeliveryMode);

        // The other fields (vector, destination mode, polarity, trigger, mask, destination) do not change the answer.
        var others = 0xFF00_0000_0001_F8FFUL;
        Assert.Equal(reserved, new RedirectionEntry(others | ((ulong)mode << 8)).HasReservedDeliveryMode);
    }

    [Fact]
    public void ToMessage_carries_vector_mode_destination_and_trigger_QEMU_ioapic_entry_parse()
    {
        var entry = RedirectionEntry.Create(0x41, DeliveryMode.LowestPriority, DestinationMode.Logical, 0x0C, TriggerMode.Level);
        Assert.Equal(
            new InterruptMessage(0x41, DeliveryMode.LowestPriority, DestinationMode.Logical, 0x0C, TriggerMode.Level),
            entry.ToMessage());
    }

    [Theory]
    [InlineData(-1, 0u)]
    [InlineData(256, 0u)]
    [InlineData(0x30, 256u)]
    public void Create_rejects_values_that_do_not_fit_their_fields_reference_4_2(int vector, uint destination)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RedirectionEntry.Create(vector, destination: destination));
    }

    [Theory]
    [InlineData(-1, 24)]
    [InlineData(16, 24)]
    [InlineData(0, 0)]
    [InlineData(0, 121)]
    public void Constructor_rejects_out_of_range_id_and_pins(int id, int pins)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IoApicDevice(id, pins, new MessageRecorder()));
    }
}
