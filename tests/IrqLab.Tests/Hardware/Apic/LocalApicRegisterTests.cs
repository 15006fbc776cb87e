using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using Xunit;

namespace IrqLab.Tests.Hardware.Apic;

/// <summary>xAPIC MMIO, x2APIC MSR interface and IA32_APIC_BASE (SDM §11.4, §11.12).</summary>
public sealed class LocalApicRegisterTests
{
    public enum Access
    {
        Read,
        Write,
    }

    [Theory]
    [InlineData(0x802u, Access.Read, 0UL, ApicAccessResult.Ok)]                // ID: read-only
    [InlineData(0x802u, Access.Write, 0UL, ApicAccessResult.GeneralProtection)]
    [InlineData(0x803u, Access.Write, 0UL, ApicAccessResult.GeneralProtection)] // version: read-only
    [InlineData(0x808u, Access.Write, 0x20UL, ApicAccessResult.Ok)]            // TPR
    [InlineData(0x808u, Access.Write, 0x100UL, ApicAccessResult.GeneralProtection)] // TPR bits 31:8 reserved
    [InlineData(0x808u, Access.Write, 0x1_0000_0000UL, ApicAccessResult.GeneralProtection)] // upper 32 bits reserved
    [InlineData(0x809u, Access.Read, 0UL, ApicAccessResult.GeneralProtection)]  // no APR in x2APIC
    [InlineData(0x80Au, Access.Write, 0UL, ApicAccessResult.GeneralProtection)] // PPR read-only
    [InlineData(0x80Bu, Access.Read, 0UL, ApicAccessResult.GeneralProtection)]  // EOI write-only
    [InlineData(0x80Cu, Access.Read, 0UL, ApicAccessResult.GeneralProtection)]  // no RRD in x2APIC
    [InlineData(0x80Bu, Access.Write, 0UL, ApicAccessResult.Ok)]
    [InlineData(0x80Bu, Access.Write, 1UL, ApicAccessResult.GeneralProtection)] // EOI non-zero
    [InlineData(0x80Du, Access.Read, 0UL, ApicAccessResult.Ok)]
    [InlineData(0x80Du, Access.Write, 1UL, ApicAccessResult.GeneralProtection)] // LDR read-only in x2APIC
    [InlineData(0x80Eu, Access.Read, 0UL, ApicAccessResult.GeneralProtection)]  // no DFR
    [InlineData(0x80Fu, Access.Write, 0x11FFUL, ApicAccessResult.Ok)]
    [InlineData(0x80Fu, Access.Write, 0x400UL, ApicAccessResult.GeneralProtection)] // SVR reserved bit 10
    [InlineData(0x80Fu, Access.Write, 0x3FFUL, ApicAccessResult.GeneralProtection)] // SVR bit 9 (focus) reserved
    [InlineData(0x817u, Access.Read, 0UL, ApicAccessResult.Ok)]                // ISR7
    [InlineData(0x820u, Access.Write, 0UL, ApicAccessResult.GeneralProtection)] // IRR read-only
    [InlineData(0x828u, Access.Write, 0UL, ApicAccessResult.Ok)]
    [InlineData(0x828u, Access.Write, 0x40UL, ApicAccessResult.GeneralProtection)] // ESR non-zero
    [InlineData(0x82Fu, Access.Write, 0x100F0UL, ApicAccessResult.Ok)]         // CMCI
    [InlineData(0x830u, Access.Read, 0UL, ApicAccessResult.Ok)]
    [InlineData(0x830u, Access.Write, 0x2000UL, ApicAccessResult.GeneralProtection)] // ICR bit 13 reserved
    [InlineData(0x830u, Access.Write, 0x10000UL, ApicAccessResult.GeneralProtection)] // ICR bits 17:16 reserved
    [InlineData(0x830u, Access.Write, 0x100000UL, ApicAccessResult.GeneralProtection)] // ICR bits 31:20 reserved
    [InlineData(0x831u, Access.Read, 0UL, ApicAccessResult.GeneralProtection)]  // no 0x831
    [InlineData(0x831u, Access.Write, 0UL, ApicAccessResult.GeneralProtection)]
    [InlineData(0x832u, Access.Write, 0x200EC, ApicAccessResult.Ok)]           // timer periodic
    [InlineData(0x832u, Access.Write, 0x1000EC, ApicAccessResult.GeneralProtection)] // timer bit 20 reserved
    [InlineData(0x832u, Access.Write, 0x600EC, ApicAccessResult.GeneralProtection)] // timer mode 11 reserved
    [InlineData(0x835u, Access.Write, 0x0A700UL, ApicAccessResult.Ok)]          // LINT0 ExtINT level active-low
    [InlineData(0x837u, Access.Write, 0x400FEUL, ApicAccessResult.GeneralProtection)] // LVT error has no mode bits
    [InlineData(0x838u, Access.Write, 1000UL, ApicAccessResult.Ok)]
    [InlineData(0x839u, Access.Write, 0UL, ApicAccessResult.GeneralProtection)] // current count read-only
    [InlineData(0x83Eu, Access.Write, 0xBUL, ApicAccessResult.Ok)]
    [InlineData(0x83Eu, Access.Write, 0x10UL, ApicAccessResult.GeneralProtection)] // divide reserved bits
    [InlineData(0x83Fu, Access.Read, 0UL, ApicAccessResult.GeneralProtection)]  // SELF IPI write-only
    [InlineData(0x83Fu, Access.Write, 0x40UL, ApicAccessResult.Ok)]
    [InlineData(0x83Fu, Access.Write, 0x140UL, ApicAccessResult.GeneralProtection)] // SELF IPI bits 31:8 reserved
    [InlineData(0x840u, Access.Read, 0UL, ApicAccessResult.GeneralProtection)]  // unlisted
    [InlineData(0x8FFu, Access.Write, 0UL, ApicAccessResult.GeneralProtection)]
    public void X2Apic_msr_map_reserved_RO_WO_SDM_11_12_1_2_and_11_12_1_3(uint msr, Access access, ulong value, ApicAccessResult expected)
    {
        var (_, apic) = FakeApicHost.One(x2Apic: true);
        var result = access == Access.Read ? apic.ReadMsr(msr, out _) : apic.WriteMsr(msr, value);
        Assert.Equal(expected, result);
    }

    [Theory]
    [InlineData(0x802u)]
    [InlineData(0x808u)]
    [InlineData(0x830u)]
    [InlineData(0x83Fu)]
    public void X2Apic_msrs_raise_GP_outside_x2APIC_mode_SDM_11_12_2(uint msr)
    {
        var (_, apic) = FakeApicHost.One();
        Assert.Equal(ApicAccessResult.GeneralProtection, apic.ReadMsr(msr, out _));
        Assert.Equal(ApicAccessResult.GeneralProtection, apic.WriteMsr(msr, 0));
        Assert.Equal(ApicAccessResult.Ok, apic.ReadMsr(0x1B, out _));
    }

    [Fact]
    public void Mmio_is_not_decoded_in_x2APIC_mode_SDM_11_12_2()
    {
        var (_, apic) = FakeApicHost.One(x2Apic: true);
        Assert.Equal(ApicAccessResult.Ignored, apic.ReadMmio(0x080, out _));
        Assert.Equal(ApicAccessResult.Ignored, apic.WriteMmio(0x080, 0x50));
        Assert.Equal(0, apic.Tpr);
    }

    [Theory]
    [InlineData(0x0000_13FFu, 0x0000_11FFu)] // bit 9 (focus processor checking) is reserved on Pentium 4 and later
    [InlineData(0xFFFF_FFFFu, 0x0000_11FFu)] // bits 31:13, 11:9 ignored; bit 12 kept (version bit 24 set)
    [InlineData(0x0000_00A5u, 0x0000_00A5u)] // all 8 spurious-vector bits are writable (Pentium 4 and later)
    public void Xapic_SVR_write_keeps_only_the_defined_bits_SDM_figure_11_23(uint written, uint read)
    {
        var (_, apic) = FakeApicHost.One();
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMmio(0x0F0, written));
        Assert.Equal(ApicAccessResult.Ok, apic.ReadMmio(0x0F0, out var value));
        Assert.Equal(read, value);
    }

    [Theory]
    [InlineData(0x020u, 0x0000_0000u)]
    [InlineData(0x030u, 0x0106_0014u)]
    [InlineData(0x0E0u, 0xFFFF_FFFFu)]
    [InlineData(0x0F0u, 0x0000_01FFu)]
    [InlineData(0x320u, 0x0001_0000u)]
    [InlineData(0x350u, 0x0001_0000u)]
    [InlineData(0x370u, 0x0001_0000u)]
    [InlineData(0x2F0u, 0x0001_0000u)]
    [InlineData(0x3E0u, 0x0000_0000u)]
    public void Xapic_reset_values_SDM_11_4_7_1(uint offset, uint expected)
    {
        var (_, apic) = FakeApicHost.One();
        Assert.Equal(ApicAccessResult.Ok, apic.ReadMmio(offset, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData(0x040u)]
    [InlineData(0x290u)]
    [InlineData(0x3F0u)] // SELF IPI offset is reserved in xAPIC mode
    [InlineData(0x400u)]
    public void Xapic_reserved_offset_sets_ESR_bit7_SDM_11_5_3(uint offset)
    {
        var (_, apic) = FakeApicHost.One();
        Assert.Equal(ApicAccessResult.Ignored, apic.ReadMmio(offset, out var value));
        Assert.Equal(0u, value);
        Assert.Equal(ApicAccessResult.Ignored, apic.WriteMmio(offset, 0x12));
        apic.WriteMmio(0x280, 0);
        apic.ReadMmio(0x280, out var esr);
        Assert.Equal(0x80u, esr);
    }

    [Theory]
    [InlineData(ApicRegister.SelfIpi, 0x80u)] // offset 0x3F0 is reserved in xAPIC mode: an illegal register address
    [InlineData(ApicRegister.Eoi, 0u)]        // EOI is a register, only write-only: no error
    public void Xapic_named_read_of_SELF_IPI_sets_ESR_bit7_like_the_MMIO_read_SDM_11_5_3(ApicRegister reg, uint esr)
    {
        var (_, apic) = FakeApicHost.One();
        Assert.Equal(ApicAccessResult.Ok, apic.ReadRegister(reg, out var value));
        Assert.Equal(0UL, value);
        Assert.Equal(esr, (uint)apic.PendingEsr);
        Assert.Equal(0UL, apic.PeekRegister(reg));
    }

    [Theory]
    [InlineData(0x030u)]
    [InlineData(0x090u)]
    [InlineData(0x0A0u)]
    [InlineData(0x0C0u)] // RRD: Table 11-1 note 1, a write does not set ESR bit 7 (nor does a read)
    [InlineData(0x100u)]
    [InlineData(0x200u)]
    [InlineData(0x390u)]
    public void Xapic_read_only_write_is_ignored_without_ESR_SDM_table_11_1(uint offset)
    {
        var (_, apic) = FakeApicHost.One();
        apic.ReadMmio(offset, out var before);
        Assert.Equal(ApicAccessResult.Ignored, apic.WriteMmio(offset, 0xFFFF_FFFF));
        apic.ReadMmio(offset, out var after);
        Assert.Equal(before, after);
        apic.WriteMmio(0x280, 0);
        apic.ReadMmio(0x280, out var esr);
        Assert.Equal(0u, esr);
    }

    [Theory]
    [InlineData(0x00u, 0x0000_0001u)]
    [InlineData(0x05u, 0x0000_0020u)]
    [InlineData(0x0Fu, 0x0000_8000u)]
    [InlineData(0x13u, 0x0001_0008u)]
    [InlineData(0x2Fu, 0x0002_8000u)]
    [InlineData(0x1234u, 0x0123_0010u)]
    public void X2Apic_LDR_is_derived_from_ID_SDM_11_12_10_2(uint id, uint ldr)
    {
        var host = new FakeApicHost();
        var apic = new LocalApic(1, id, host, new LocalApicOptions { X2Apic = true });
        Assert.Equal(ApicAccessResult.Ok, apic.ReadMsr(0x80D, out var value));
        Assert.Equal(ldr, value);
        Assert.Equal(ApicAccessResult.Ok, apic.ReadMsr(0x802, out var idValue));
        Assert.Equal(id, idValue);
        Assert.Equal(id, apic.ApicId);
    }

    [Theory]
    [InlineData(LocalApicMode.XApic, 0xFEE0_0C00UL, ApicAccessResult.Ok, LocalApicMode.X2Apic)]
    [InlineData(LocalApicMode.XApic, 0xFEE0_0000UL, ApicAccessResult.Ok, LocalApicMode.Disabled)]
    [InlineData(LocalApicMode.XApic, 0xFEE0_0400UL, ApicAccessResult.GeneralProtection, LocalApicMode.XApic)] // EN=0 EXTD=1 invalid
    [InlineData(LocalApicMode.X2Apic, 0xFEE0_0800UL, ApicAccessResult.GeneralProtection, LocalApicMode.X2Apic)] // x2APIC -> xAPIC
    [InlineData(LocalApicMode.X2Apic, 0xFEE0_0000UL, ApicAccessResult.Ok, LocalApicMode.Disabled)]
    [InlineData(LocalApicMode.Disabled, 0xFEE0_0C00UL, ApicAccessResult.GeneralProtection, LocalApicMode.Disabled)] // disabled -> x2APIC
    [InlineData(LocalApicMode.Disabled, 0xFEE0_0800UL, ApicAccessResult.Ok, LocalApicMode.XApic)]
    [InlineData(LocalApicMode.XApic, 0xFEE0_0801UL, ApicAccessResult.GeneralProtection, LocalApicMode.XApic)] // reserved bit 0
    [InlineData(LocalApicMode.XApic, 0xFEE0_0A00UL, ApicAccessResult.GeneralProtection, LocalApicMode.XApic)] // reserved bit 9
    [InlineData(LocalApicMode.XApic, 0x4000_FEE0_0800UL, ApicAccessResult.GeneralProtection, LocalApicMode.XApic)] // above MAXPHYADDR
    public void Apic_base_transitions_SDM_11_12_5(LocalApicMode from, ulong value, ApicAccessResult expected, LocalApicMode mode)
    {
        var (_, apic) = FakeApicHost.One(x2Apic: from == LocalApicMode.X2Apic);
        if (from == LocalApicMode.Disabled)
        {
            Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(0x1B, 0xFEE0_0000));
        }

        Assert.Equal(expected, apic.WriteMsr(0x1B, value));
        Assert.Equal(mode, apic.Mode);
    }

    [Fact]
    public void Apic_base_BSP_bit_is_read_only_SDM_11_4_4()
    {
        var (_, apic) = FakeApicHost.One();
        apic.ReadMsr(0x1B, out var value);
        Assert.Equal(0xFEE0_0900UL, value);
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(0x1B, 0xFEE0_0800));
        apic.ReadMsr(0x1B, out value);
        Assert.Equal(0xFEE0_0900UL, value);
    }

    [Fact]
    public void X2Apic_to_disabled_to_xapic_resets_registers_keeps_ID_SDM_11_12_5_1()
    {
        var host = new FakeApicHost();
        var apic = new LocalApic(3, 3, host, new LocalApicOptions { X2Apic = true });
        apic.WriteMsr(0x808, 0x40);
        apic.Accept(InterruptMessage.FixedTo(3, 0x50));
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(0x1B, 0xFEE0_0000));
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(0x1B, 0xFEE0_0800));
        Assert.Equal(LocalApicMode.XApic, apic.Mode);
        Assert.Equal(0, apic.Tpr);
        Assert.True(apic.Irr.IsEmpty);
        apic.ReadMmio(0x020, out var id);
        Assert.Equal(3u << 24, id);
        apic.ReadMmio(0x0F0, out var svr);
        Assert.Equal(0xFFu, svr); // software-disabled after the transition
    }

    [Fact]
    public void Xapic_ID_LDR_DFR_are_writable_fields_SDM_11_6_2_2()
    {
        var (_, apic) = FakeApicHost.One();
        apic.WriteMmio(0x020, 0x0500_00FF);
        apic.WriteMmio(0x0D0, 0x0400_00FF);
        apic.WriteMmio(0x0E0, 0x0000_0000);
        Assert.Equal(5u, apic.ApicId);
        apic.ReadMmio(0x0D0, out var ldr);
        apic.ReadMmio(0x0E0, out var dfr);
        Assert.Equal(0x0400_0000u, ldr);
        Assert.Equal(0x0FFF_FFFFu, dfr); // bits 27:0 read as 1
    }

    [Theory]
    [InlineData(0x320u)]
    [InlineData(0x350u)]
    [InlineData(0x360u)]
    [InlineData(0x370u)]
    public void Software_disable_forces_LVT_mask_SDM_11_4_7_2(uint lvtOffset)
    {
        var (_, apic) = FakeApicHost.One();
        apic.WriteMmio(lvtOffset, 0x30);
        apic.ReadMmio(lvtOffset, out var unmasked);
        Assert.Equal(0x30u, unmasked);
        apic.WriteMmio(0x0F0, 0xFF); // software disable
        apic.ReadMmio(lvtOffset, out var masked);
        Assert.Equal(0x1_0030u, masked);
        apic.WriteMmio(lvtOffset, 0x31);
        apic.ReadMmio(lvtOffset, out var still);
        Assert.Equal(0x1_0031u, still);
        apic.WriteMmio(0x0F0, 0x1FF); // enabling does not unmask
        apic.ReadMmio(lvtOffset, out var after);
        Assert.Equal(0x1_0031u, after);
    }

    [Fact]
    public void Xapic_ICR_high_then_low_sends_and_delivery_status_reads_idle_SDM_11_6_1()
    {
        var (host, apic) = FakeApicHost.One();
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMmio(0x310, 0x0300_0000));
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMmio(0x300, 0x0000_5041 | 0x1000)); // bit 12 is read-only
        var sent = Assert.Single(host.Sent);
        Assert.Equal(new InterruptMessage(0x41, DeliveryMode.Fixed, DestinationMode.Physical, 3, TriggerMode.Edge, true, DestinationShorthand.None, 0, 0), sent);
        apic.ReadMmio(0x300, out var low);
        Assert.Equal(0u, low & 0x1000);
        Assert.Equal(0x0300_0000_0000_4041UL, apic.PeekRegister(ApicRegister.Icr));
    }

    [Fact]
    public void X2Apic_ICR_is_one_64_bit_write_with_32_bit_destination_SDM_11_12_9()
    {
        var host = new FakeApicHost();
        var apic = new LocalApic(0, 7, host, new LocalApicOptions { X2Apic = true });
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(0x830, 0x0001_0002_0000_08F1UL));
        var sent = Assert.Single(host.Sent);
        Assert.Equal(0x0001_0002u, sent.Destination);
        Assert.Equal(DestinationMode.Logical, sent.DestinationMode);
        Assert.Equal(0xF1, sent.Vector);
        Assert.Equal(7, sent.SourceApicId);
        apic.ReadMsr(0x830, out var icr);
        Assert.Equal(0x0001_0002_0000_08F1UL, icr);
    }

    [Fact]
    public void WriteRegister_routes_through_mode_interface()
    {
        var (_, x) = FakeApicHost.One();
        var (_, x2) = FakeApicHost.One(x2Apic: true);
        Assert.Equal(ApicAccessResult.Ok, x.WriteRegister(ApicRegister.Dfr, 0));
        Assert.Equal(ApicAccessResult.GeneralProtection, x2.WriteRegister(ApicRegister.Dfr, 0));
        Assert.Equal(ApicAccessResult.Ignored, x.WriteRegister(ApicRegister.SelfIpi, 0x40));
        Assert.Equal(ApicAccessResult.Ok, x2.WriteRegister(ApicRegister.SelfIpi, 0x40));
        Assert.Equal(ApicAccessResult.GeneralProtection, x2.WriteRegister(ApicRegister.Ldr, 1));
    }
}
