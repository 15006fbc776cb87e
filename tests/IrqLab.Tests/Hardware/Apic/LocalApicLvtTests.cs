using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using Xunit;

namespace IrqLab.Tests.Hardware.Apic;

/// <summary>Local vector table: delivery modes, mask, remote IRR, LINT0 virtual wire, LINT1 NMI (SDM §11.5.1).</summary>
public sealed class LocalApicLvtTests
{
    [Theory]
    [InlineData(LocalInterrupt.Lint0, ApicRegister.LvtLint0, 0x0_0700u, "EXTINT:0", -1)]  // virtual wire: ExtINT
    [InlineData(LocalInterrupt.Lint1, ApicRegister.LvtLint1, 0x0_0400u, "NMI:0", -1)]     // LINT1 NMI
    [InlineData(LocalInterrupt.Lint1, ApicRegister.LvtLint1, 0x1_0400u, null, -1)]         // masked
    [InlineData(LocalInterrupt.Lint0, ApicRegister.LvtLint0, 0x0_0031u, null, 0x31)]       // fixed
    [InlineData(LocalInterrupt.Thermal, ApicRegister.LvtThermal, 0x0_00FAu, null, 0xFA)]
    [InlineData(LocalInterrupt.Thermal, ApicRegister.LvtThermal, 0x0_0200u, "SMI:0", -1)]
    [InlineData(LocalInterrupt.Cmci, ApicRegister.LvtCmci, 0x0_00F9u, null, 0xF9)]
    [InlineData(LocalInterrupt.Pmc, ApicRegister.LvtPmc, 0x0_0400u, "NMI:0", -1)]
    [InlineData(LocalInterrupt.Error, ApicRegister.LvtError, 0x0_00FEu, null, 0xFE)]
    [InlineData(LocalInterrupt.Thermal, ApicRegister.LvtThermal, 0x0_0700u, null, -1)]    // ExtINT reserved for thermal
    public void Lvt_delivery_mode_and_mask_SDM_11_5_1(LocalInterrupt source, ApicRegister reg, uint entry, string? signal, int vector)
    {
        var (host, apic) = FakeApicHost.One();
        Assert.Equal(ApicAccessResult.Ok, apic.WriteRegister(reg, entry));
        apic.RaiseLocal(source);
        Assert.Equal(signal is null ? [] : [signal], host.Signals);
        Assert.Equal(vector < 0 ? [] : [vector], apic.Irr.ToArray());
        Assert.Equal((entry & 0x1_0000) != 0 ? 1 : 0, apic.MaskedLocalCount);
    }

    /// <summary>
    /// SDM §11.5.1: "When the delivery mode is ExtINT, the trigger mode is always level sensitive", and a fixed LINT entry
    /// may be level-triggered: unmasking such a pin while its source holds it asserted delivers at once (the 8259 keeps
    /// INTR high until INTA, so no new edge would come). NMI delivery is edge-sensitive: the unmask alone delivers nothing.
    /// </summary>
    [Theory]
    [InlineData(0x0_0700u, "EXTINT:0", -1)]    // ExtINT (virtual wire)
    [InlineData(0x0_8031u, null, 0x31)]        // fixed, level-triggered
    [InlineData(0x0_0031u, null, -1)]          // fixed, edge-triggered: waits for the next edge
    [InlineData(0x0_0400u, null, -1)]          // NMI: edge
    public void Unmasking_a_level_sensitive_LINT_pin_held_asserted_delivers_SDM_11_5_1(uint entry, string? signal, int vector)
    {
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.LvtLint0, entry | 0x1_0000);
        apic.RaiseLocal(LocalInterrupt.Lint0, level: true); // masked: counted, not delivered
        Assert.Empty(host.Signals);
        Assert.True(apic.Irr.IsEmpty);

        apic.WriteRegister(ApicRegister.LvtLint0, entry);

        Assert.Equal(signal is null ? [] : [signal], host.Signals);
        Assert.Equal(vector < 0 ? [] : [vector], apic.Irr.ToArray());
    }

    [Fact]
    public void Level_LINT_sets_remote_IRR_until_EOI_and_redelivers_while_asserted_SDM_11_5_1()
    {
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.LvtLint0, 0x8000 | 0x2000 | 0x41); // level, active-low, fixed 0x41
        apic.RaiseLocal(LocalInterrupt.Lint0, level: true);
        Assert.Equal(0x4000u, (uint)apic.PeekRegister(ApicRegister.LvtLint0) & 0x4000);
        Assert.True(apic.Tmr.IsSet(0x41));
        Assert.Equal(0x41, apic.Acknowledge());
        apic.RaiseLocal(LocalInterrupt.Lint0, level: true); // remote IRR blocks a second message
        Assert.True(apic.Irr.IsEmpty);
        apic.Eoi(); // pin still asserted: remote IRR clears and the interrupt comes again
        Assert.Equal([0x41], apic.Irr.ToArray());
        Assert.Equal(0x41, apic.Acknowledge());
        apic.RaiseLocal(LocalInterrupt.Lint0, level: false);
        apic.Eoi();
        Assert.Equal(0u, (uint)apic.PeekRegister(ApicRegister.LvtLint0) & 0x4000);
        Assert.True(apic.Irr.IsEmpty);
        Assert.Equal([(0, 0x41), (0, 0x41)], host.BroadcastEois);
    }

    [Fact]
    public void Remote_IRR_and_delivery_status_are_read_only_SDM_11_5_1()
    {
        var (_, apic) = FakeApicHost.One();
        apic.WriteMmio(0x350, 0x5041);
        apic.ReadMmio(0x350, out var value);
        Assert.Equal(0x0041u, value);
    }

    [Fact]
    public void Pmc_LVT_masks_itself_on_delivery_SDM_11_5_1()
    {
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.LvtPmc, 0x400);
        apic.RaiseLocal(LocalInterrupt.Pmc);
        apic.RaiseLocal(LocalInterrupt.Pmc);
        Assert.Equal(["NMI:0"], host.Signals);
        Assert.Equal(0x1_0400UL, apic.PeekRegister(ApicRegister.LvtPmc));
    }

    [Fact]
    public void New_ESR_bit_fires_the_LVT_error_entry_SDM_11_5_3()
    {
        var (_, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.LvtError, 0xFE);
        apic.Accept(InterruptMessage.FixedTo(0, 3));
        Assert.Equal([0xFE], apic.Irr.ToArray());
        apic.Accept(InterruptMessage.FixedTo(0, 4)); // same bit already collected: no second error interrupt
        Assert.Equal(2, apic.IllegalVectorCount);
        Assert.Equal(ApicErrorStatus.ReceiveIllegalVector, apic.PendingEsr);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Masked_LVT_error_still_collects_errors_and_the_ESR_write_latches_them_SDM_11_5_3(bool x2Apic)
    {
        // "Errors are collected regardless of LVT Error mask bit, but the APIC will only issue an interrupt due to the
        // error if the LVT Error mask bit is cleared"; a write latches what was collected and restarts collection.
        var (_, apic) = FakeApicHost.One(x2Apic);
        apic.WriteRegister(ApicRegister.LvtError, 0x1_00FE);
        apic.Accept(InterruptMessage.FixedTo(apic.ApicId, 3));
        Assert.True(apic.Irr.IsEmpty);
        Assert.Equal(1L, apic.MaskedLocalCount);
        Assert.Equal(0UL, apic.PeekRegister(ApicRegister.Esr)); // not visible before the latching write

        // Unmasking later does not raise the error interrupt for an error already collected.
        apic.WriteRegister(ApicRegister.LvtError, 0xFE);
        Assert.True(apic.Irr.IsEmpty);
        Assert.Equal(ApicAccessResult.Ok, apic.WriteRegister(ApicRegister.Esr, 0));
        Assert.Equal(ApicAccessResult.Ok, apic.ReadRegister(ApicRegister.Esr, out var latched));
        Assert.Equal(0x40UL, latched);
        Assert.Equal(ApicErrorStatus.None, apic.PendingEsr);

        // After the write the same error is new again and, unmasked, raises the error interrupt.
        apic.Accept(InterruptMessage.FixedTo(apic.ApicId, 3));
        Assert.Equal([0xFE], apic.Irr.ToArray());
        apic.WriteRegister(ApicRegister.Esr, 0);
        apic.WriteRegister(ApicRegister.Esr, 0);
        Assert.Equal(0UL, apic.PeekRegister(ApicRegister.Esr)); // back-to-back writes clear it
    }

    [Fact]
    public void Linux_init_state_setup_local_apic()
    {
        var host = new FakeApicHost();
        var bsp = new LocalApic(0, 0, host, new LocalApicOptions { LinuxInit = true });
        var ap = new LocalApic(1, 1, host, new LocalApicOptions { LinuxInit = true });
        Assert.Equal(0x1FFUL, bsp.PeekRegister(ApicRegister.Svr));
        Assert.Equal(0x1_0700UL, bsp.PeekRegister(ApicRegister.LvtLint0));
        Assert.Equal(0x0_0400UL, bsp.PeekRegister(ApicRegister.LvtLint1));
        Assert.Equal(0x1_0400UL, ap.PeekRegister(ApicRegister.LvtLint1));
        Assert.Equal(0xFEUL, ap.PeekRegister(ApicRegister.LvtError));
        Assert.Equal(0x0200_0000UL, ap.PeekRegister(ApicRegister.Ldr));
        Assert.Equal(0xFFFF_FFFFUL, ap.PeekRegister(ApicRegister.Dfr));
    }
}
