using CsCheck;
using IrqLab.Virtualization;
using Xunit;
using IrqLab.Delivery;

namespace IrqLab.Tests.Virtualization;

/// <summary>Interruption-information format: SDM Vol. 3C 24.8.3 Table 24-13, 24.9.2 Table 24-15, 24.9.3 Table 24-16;
/// masks from arch/x86/include/asm/vmx.h (INTR_INFO_*).</summary>
public sealed class InterruptionInfoTests
{
    [Theory]
    // raw, vector, type, error-code valid, NMI unblocking, valid, reserved bits 30:13
    [InlineData(0x00000000u, 0, EventType.ExternalInterrupt, false, false, false, 0u)]           // all clear
    [InlineData(0x000000FFu, 0xFF, EventType.ExternalInterrupt, false, false, false, 0u)]        // bits 7:0 vector
    [InlineData(0x00000700u, 0, EventType.Other, false, false, false, 0u)]                       // bits 10:8 type
    [InlineData(0x00000200u, 0, EventType.Nmi, false, false, false, 0u)]                         // type 2
    [InlineData(0x00000800u, 0, EventType.ExternalInterrupt, true, false, false, 0u)]            // bit 11 error code
    [InlineData(0x00001000u, 0, EventType.ExternalInterrupt, false, true, false, 0u)]            // bit 12 NMI unblocking
    [InlineData(0x80000000u, 0, EventType.ExternalInterrupt, false, false, true, 0u)]            // bit 31 valid
    [InlineData(0x7FFFE000u, 0, EventType.ExternalInterrupt, false, false, false, 0x7FFFE000u)]  // bits 30:13 reserved
    [InlineData(0x80000B0Eu, 14, EventType.HardwareException, true, false, true, 0u)]           // #PF with error code
    [InlineData(0x80000202u, 2, EventType.Nmi, false, false, true, 0u)]                          // NMI exit (KVM is_nmi)
    public void Every_bit_decodes_SDM_24_9_2(uint raw, int vector, EventType type, bool ec, bool nmiUnblock,
        bool valid, uint reserved)
    {
        var info = new InterruptionInfo(raw);
        Assert.Equal(vector, info.Vector);
        Assert.Equal(type, info.Type);
        Assert.Equal(ec, info.ErrorCodeValid);
        Assert.Equal(nmiUnblock, info.NmiUnblockingDueToIret);
        Assert.Equal(valid, info.Valid);
        Assert.Equal(reserved, info.ReservedBits);
    }

    [Fact]
    public void Decode_then_reencode_round_trips_every_raw_value_property()
    {
        Gen.UInt.Sample(raw =>
        {
            var i = new InterruptionInfo(raw);
            var rebuilt = i.Vector | ((uint)i.Type << 8) | (i.ErrorCodeValid ? 0x800u : 0) |
                (i.NmiUnblockingDueToIret ? 0x1000u : 0) | i.ReservedBits | (i.Valid ? 0x80000000u : 0);
            Assert.Equal(raw, rebuilt);
        }, iter: 2000);
    }

    [Fact]
    public void Create_round_trips_every_type_and_vector_SDM_24_8_3()
    {
        for (var t = 0; t < 8; t++)
        {
            for (var v = 0; v < 256; v++)
            {
                foreach (var ec in new[] { false, true })
                {
                    var info = InterruptionInfo.Create((EventType)t, v, ec);
                    Assert.True(info.Valid);
                    Assert.Equal(v, info.Vector);
                    Assert.Equal((EventType)t, info.Type);
                    Assert.Equal(ec, info.ErrorCodeValid);
                    Assert.False(info.NmiUnblockingDueToIret);
                    Assert.Equal(0u, info.ReservedBits);
                }
            }
        }
    }

    [Theory]
    [InlineData(EventType.ExternalInterrupt, 0x20, false, 0x80000020u)] // INTR_TYPE_EXT_INTR | valid
    [InlineData(EventType.Nmi, 2, false, 0x80000202u)]                  // INTR_TYPE_NMI_INTR | NMI_VECTOR
    [InlineData(EventType.HardwareException, 13, true, 0x80000B0Du)]    // #GP, INTR_INFO_DELIVER_CODE_MASK
    [InlineData(EventType.SoftwareInterrupt, 0x80, false, 0x80000480u)] // INTR_TYPE_SOFT_INTR
    [InlineData(EventType.PrivilegedSoftwareException, 1, false, 0x80000501u)]
    [InlineData(EventType.SoftwareException, 3, false, 0x80000603u)]    // INT3
    [InlineData(EventType.Other, 0, false, 0x80000700u)]                // pending MTF
    public void Create_encodes_as_kvm_vmx_h(EventType type, int vector, bool ec, uint raw)
    {
        Assert.Equal(raw, InterruptionInfo.Create(type, vector, ec).Raw);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(256)]
    public void Create_rejects_vectors_outside_0_255(int vector)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => InterruptionInfo.Create(EventType.ExternalInterrupt, vector, false));
    }

    [Theory]
    [InlineData("ext_int", EventType.ExternalInterrupt)]
    [InlineData("reserved", EventType.Reserved)]
    [InlineData("nmi", EventType.Nmi)]
    [InlineData("hw_exc", EventType.HardwareException)]
    [InlineData("sw_int", EventType.SoftwareInterrupt)]
    [InlineData("priv_sw_exc", EventType.PrivilegedSoftwareException)]
    [InlineData("sw_exc", EventType.SoftwareException)]
    [InlineData("other", EventType.Other)]
    public void Type_names_parse_and_format_FRED_event_type_numbering(string name, EventType type)
    {
        Assert.True(InterruptionInfo.TryParseTypeName(name, out var parsed));
        Assert.Equal(type, parsed);
        Assert.Equal(name, InterruptionInfo.TypeName(type));
    }

    [Theory]
    [InlineData("")]
    [InlineData("EXT_INT")]
    [InlineData("extint")]
    [InlineData("nmi ")]
    public void Unknown_type_names_are_rejected(string name)
    {
        Assert.False(InterruptionInfo.TryParseTypeName(name, out _));
    }

    [Fact]
    public void ToString_names_type_vector_and_raw()
    {
        Assert.Equal("valid hw_exc vector 14 ec (0x80000b0e)", new InterruptionInfo(0x80000B0E).ToString());
    }
}
