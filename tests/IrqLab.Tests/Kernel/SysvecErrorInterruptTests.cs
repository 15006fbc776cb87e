using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>
/// <c>sysvec_error_interrupt</c> (arch/x86/kernel/apic/apic.c, the same in 6.1, 6.6, 6.9, 6.10 and latest):
/// <c>if (lapic_get_maxlvt() &gt; 3) apic_write(APIC_ESR, 0); v = apic_read(APIC_ESR); apic_eoi(); atomic_inc(&amp;irq_err_count);</c>
/// then the report through <c>apic_printk(APIC_DEBUG, ...)</c>, silent at the default <c>apic_verbosity</c>.
/// </summary>
public sealed class SysvecErrorInterruptTests
{
    [Theory]
    [InlineData(KernelVersion.V6_1, EntryRoute.Idt)]
    [InlineData(KernelVersion.V6_6, EntryRoute.Idt)]
    [InlineData(KernelVersion.V6_9, EntryRoute.Idt)]
    [InlineData(KernelVersion.V6_9, EntryRoute.Software)]
    [InlineData(KernelVersion.V6_10, EntryRoute.Software)]
    [InlineData(KernelVersion.Latest, EntryRoute.Idt)]
    [InlineData(KernelVersion.Latest, EntryRoute.Software)]
    public void Writes_then_reads_ESR_then_EOIs_then_counts_ERR_apic_c_sysvec_error_interrupt(KernelVersion version, EntryRoute route)
    {
        var model = K.Model(out var platform, K.Options(version, delivery: route == EntryRoute.Software ? DeliveryKind.Fred : DeliveryKind.Idt));
        platform.ApicRegisters[ApicDef.Esr] = 0x60;
        platform.Calls.Clear();
        model.ExternalInterrupt(1, 0xfe, route);
        Assert.Equal(["apic.read 1 0x030", "apic.write 1 0x280 0x0", "apic.read 1 0x280", "eoi 1"], platform.Calls);
        var err = model.ProcInterrupts.Rows().Single(r => r.Row == "ERR"); // global before the newest kernel, per CPU there
        Assert.Equal(1UL, err.Counts.Aggregate(0UL, (a, b) => a + b));

        // "APIC error on CPU1: 60 : Send illegal vector : Received illegal vector" is apic_printk(APIC_DEBUG): apic=debug only.
        Assert.Empty(platform.Logs);
    }

    [Theory]
    [InlineData(0x0003_0010u, false)] // max LVT 3 (Pentium): no ESR write, "Due to the Pentium erratum 3AP"
    [InlineData(0x0004_0014u, true)]
    [InlineData(0x0106_0014u, true)]
    public void Writes_ESR_only_when_lapic_get_maxlvt_is_above_3_apic_c_Pentium_erratum_3AP(uint lvr, bool writes)
    {
        var model = K.Model(out var platform);
        platform.ApicRegisters[ApicDef.Lvr] = lvr;
        platform.Calls.Clear();
        model.ExternalInterrupt(0, 0xfe, EntryRoute.Idt);
        Assert.Equal(writes, platform.Calls.Contains("apic.write 0 0x280 0x0"));
        Assert.Equal(["apic.read 0 0x280", "eoi 0"], platform.Calls.SkipWhile(c => c != "apic.read 0 0x280"));
    }
}
