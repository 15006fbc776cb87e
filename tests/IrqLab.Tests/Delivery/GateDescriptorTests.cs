using CsCheck;
using IrqLab.Delivery;
using Xunit;

namespace IrqLab.Tests.Delivery;

/// <summary>The 16-byte IA-32e gate layout (SDM Vol. 3A §6.14.1, Figure 6-8).</summary>
public sealed class GateDescriptorTests
{
    [Fact]
    public void Decode_reads_the_SDM_Figure_6_8_fields()
    {
        // offset 0xffffffff81a01230, selector 0x10, IST 2, type byte 0x8E (P=1, DPL=0, interrupt gate)
        var low = 0x1230UL | (0x10UL << 16) | (2UL << 32) | (0x8EUL << 40) | (0x81A0UL << 48);
        var high = 0xFFFF_FFFFUL;
        var gate = GateDescriptor.Decode(((UInt128)high << 64) | low);
        Assert.Equal(new GateDescriptor(0xFFFF_FFFF_81A0_1230, 0x10, 2, GateType.Interrupt, 0, true), gate);
        Assert.Equal(((UInt128)high << 64) | low, gate.Encode());
    }

    [Theory]
    [InlineData(0xEEUL, GateType.Interrupt, 3, true)]  // DPL-3 interrupt gate (INT 0x80)
    [InlineData(0x8FUL, GateType.Trap, 0, true)]
    [InlineData(0x0EUL, GateType.Interrupt, 0, false)] // not present
    public void Type_byte_values_x86_events_2_1(ulong typeByte, GateType type, int dpl, bool present)
    {
        var gate = GateDescriptor.Decode((UInt128)(typeByte << 40));
        Assert.Equal(type, gate.Type);
        Assert.Equal(dpl, gate.Dpl);
        Assert.Equal(present, gate.Present);
        Assert.True(gate.IsValid64);
    }

    [Theory]
    [InlineData(0x85UL << 40, false)]            // task gate
    [InlineData(0x9EUL << 40, false)]            // S=1: not a system descriptor
    [InlineData((0x8EUL << 40) | 0, true)]
    public void Only_64_bit_interrupt_and_trap_gates_are_valid_SDM_6_14_1(ulong low, bool valid) =>
        Assert.Equal(valid, GateDescriptor.Decode(low).IsValid64);

    [Fact]
    public void Nonzero_upper_type_bits_make_the_gate_invalid_and_survive_encode_x86_events_2_1()
    {
        var raw = ((UInt128)(1UL << 40) << 64) | (0x8EUL << 40);
        var gate = GateDescriptor.Decode(raw);
        Assert.False(gate.IsValid64);
        Assert.False(GateDescriptor.Decode(gate.Encode()).IsValid64);
    }

    [Fact]
    public void Encode_decode_round_trip_over_random_gates()
    {
        Gen.Select(Gen.ULong, Gen.UShort, Gen.Byte[0, 7], Gen.Bool, Gen.Byte[0, 3], Gen.Bool)
            .Sample((offset, sel, ist, trap, dpl, p) =>
            {
                var gate = new GateDescriptor(offset, sel, ist, trap ? GateType.Trap : GateType.Interrupt, dpl, p);
                Assert.Equal(gate, GateDescriptor.Decode(gate.Encode()));
            }, iter: 2000);
    }
}
