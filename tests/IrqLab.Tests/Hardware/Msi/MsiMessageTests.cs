using IrqLab.Hardware;
using IrqLab.Hardware.Msi;
using Xunit;

namespace IrqLab.Tests.Hardware.Msi;

/// <summary>
/// Compatibility-format MSI decode: shared/reference/x86-events.md §6.1 and §6.4, Linux arch/x86/include/asm/msi.h,
/// KVM kvm_set_msi_irq / msi_redir_hint.
/// </summary>
public sealed class MsiMessageTests
{
    public static TheoryData<ulong, uint, MsiDecodeError, byte, DeliveryMode, DestinationMode, uint, TriggerMode, bool> DecodeTable => new()
    {
        // address, data, error, vector, mode, dest mode, destination, trigger, assert
        { 0xFEE0_0000, 0x0041, MsiDecodeError.None, 0x41, DeliveryMode.Fixed, DestinationMode.Physical, 0, TriggerMode.Edge, true },
        { 0xFEE0_3000, 0x00EC, MsiDecodeError.None, 0xEC, DeliveryMode.Fixed, DestinationMode.Physical, 3, TriggerMode.Edge, true },
        { 0xFEEF_F000, 0x0030, MsiDecodeError.None, 0x30, DeliveryMode.Fixed, DestinationMode.Physical, 0xFF, TriggerMode.Edge, true },
        { 0xFEE0_1004, 0x0130, MsiDecodeError.None, 0x30, DeliveryMode.LowestPriority, DestinationMode.Logical, 1, TriggerMode.Edge, true },
        { 0xFEE0_100C, 0x0030, MsiDecodeError.None, 0x30, DeliveryMode.LowestPriority, DestinationMode.Logical, 1, TriggerMode.Edge, true }, // RH=1 (KVM msi_redir_hint)
        { 0xFEE0_2000, 0x0400, MsiDecodeError.None, 0x00, DeliveryMode.Nmi, DestinationMode.Physical, 2, TriggerMode.Edge, true },
        { 0xFEE0_2000, 0x0200, MsiDecodeError.None, 0x00, DeliveryMode.Smi, DestinationMode.Physical, 2, TriggerMode.Edge, true },
        { 0xFEE0_2000, 0x0500, MsiDecodeError.None, 0x00, DeliveryMode.Init, DestinationMode.Physical, 2, TriggerMode.Edge, true },
        { 0xFEE0_2000, 0x0700, MsiDecodeError.None, 0x00, DeliveryMode.ExtInt, DestinationMode.Physical, 2, TriggerMode.Edge, true },
        { 0xFEE0_0000, 0xC051, MsiDecodeError.None, 0x51, DeliveryMode.Fixed, DestinationMode.Physical, 0, TriggerMode.Level, true },
        { 0xFEE0_0000, 0x8051, MsiDecodeError.None, 0x51, DeliveryMode.Fixed, DestinationMode.Physical, 0, TriggerMode.Level, false },
        { 0xFEE0_0003, 0x0041, MsiDecodeError.None, 0x41, DeliveryMode.Fixed, DestinationMode.Physical, 0, TriggerMode.Edge, true }, // bits 1:0 don't care
        { 0xFEE0_0FE0, 0x0041, MsiDecodeError.None, 0x41, DeliveryMode.Fixed, DestinationMode.Physical, 0, TriggerMode.Edge, true }, // 11:5 reserved: ignored by default
        { 0xFEE0_0010, 0x0041, MsiDecodeError.RemappableFormat, 0, default, default, 0, default, false },
        { 0xFEE0_0300, 0x0041, MsiDecodeError.None, 0x41, DeliveryMode.Fixed, DestinationMode.Physical, 0, TriggerMode.Edge, true },
        { 0xFEE0_0000, 0x0341, MsiDecodeError.ReservedDeliveryMode, 0, default, default, 0, default, false },
        { 0xFEE0_0000, 0x0641, MsiDecodeError.ReservedDeliveryMode, 0, default, default, 0, default, false },
        { 0xFED0_0000, 0x0041, MsiDecodeError.NotInterruptAddress, 0, default, default, 0, default, false },
        { 0xFEF0_0000, 0x0041, MsiDecodeError.NotInterruptAddress, 0, default, default, 0, default, false },
        { 0x1_FEE0_0000, 0x0041, MsiDecodeError.NotInterruptAddress, 0, default, default, 0, default, false },
    };

    [Theory]
    [MemberData(nameof(DecodeTable))]
    public void Decodes_compatibility_format_reference_6_1(
        ulong address, uint data, MsiDecodeError error, byte vector, DeliveryMode mode, DestinationMode destMode,
        uint destination, TriggerMode trigger, bool assert)
    {
        var result = new MsiMessage(address, data).TryDecode(out InterruptMessage message);
        Assert.Equal(error, result);
        if (error == MsiDecodeError.None)
        {
            Assert.Equal(new InterruptMessage(vector, mode, destMode, destination, trigger, assert), message);
        }
        else
        {
            Assert.Equal(default, message);
        }
    }

    [Theory]
    [InlineData(0xFEE0_0020UL, 0x100u)]  // bits 11:5 = 1 -> APIC ID bit 8
    [InlineData(0xFEEF_FFE0UL, 0x7FFFu)] // all of 14:0
    [InlineData(0xFEE1_2000UL, 0x12u)]
    public void Extended_destination_ID_bits_11_5_supply_APIC_ID_bits_14_8_Linux_virt_destid_8_14(ulong address, uint destination)
    {
        Assert.Equal(MsiDecodeError.None, new MsiMessage(address, 0x41).TryDecode(extendedDestinationId: true, out var message));
        Assert.Equal(destination, message.Destination);
    }

    [Theory]
    [InlineData(0u, 0x41, DeliveryMode.Fixed, false, TriggerMode.Edge, 0xFEE0_0000UL, 0x0041u)]
    [InlineData(3u, 0xEC, DeliveryMode.Fixed, false, TriggerMode.Edge, 0xFEE0_3000UL, 0x00ECu)]
    [InlineData(0x0Fu, 0x31, DeliveryMode.LowestPriority, true, TriggerMode.Edge, 0xFEE0_F004UL, 0x0131u)]
    [InlineData(1u, 0x51, DeliveryMode.Fixed, false, TriggerMode.Level, 0xFEE0_1000UL, 0xC051u)]
    [InlineData(0x1FFu, 0x41, DeliveryMode.Fixed, false, TriggerMode.Edge, 0xFEEF_F020UL, 0x0041u)]
    public void Compose_builds_the_address_and_data_Linux_irq_msi_compose_msg(
        uint dest, int vector, DeliveryMode mode, bool logical, TriggerMode trigger, ulong address, uint data)
    {
        var msi = MsiMessage.Compose(dest, vector, mode, logical, trigger);
        Assert.Equal(new MsiMessage(address, data), msi);
    }

    [Theory]
    [InlineData(0u, 0x20, DeliveryMode.Fixed, false)]
    [InlineData(7u, 0xFE, DeliveryMode.LowestPriority, true)]
    [InlineData(0xFFu, 0x41, DeliveryMode.Nmi, false)]
    public void Compose_then_decode_round_trips(uint dest, int vector, DeliveryMode mode, bool logical)
    {
        var msi = MsiMessage.Compose(dest, vector, mode, logical);
        Assert.Equal(MsiDecodeError.None, msi.TryDecode(out var message));
        Assert.Equal((byte)vector, message.Vector);
        Assert.Equal(mode, message.DeliveryMode);
        Assert.Equal(logical ? DestinationMode.Logical : DestinationMode.Physical, message.DestinationMode);
        Assert.Equal(dest, message.Destination);
    }

    [Fact]
    public void Compose_rejects_destinations_beyond_15_bits_and_vectors_beyond_255()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MsiMessage.Compose(0x8000, 0x41));
        Assert.Throws<ArgumentOutOfRangeException>(() => MsiMessage.Compose(0, 256));
    }
}
