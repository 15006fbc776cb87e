using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>
/// <c>sysvec_reboot</c> (arch/x86/kernel/smp.c): <c>apic_eoi()</c>, then <c>stop_this_cpu()</c> (arch/x86/kernel/process.c),
/// whose <c>disable_local_APIC()</c> → <c>apic_soft_disable()</c> runs <c>clear_local_APIC()</c>
/// (arch/x86/kernel/apic/apic.c) and then clears APIC_SPIV_APIC_ENABLED before the CPU halts for good.
/// </summary>
public sealed class SysvecRebootTests
{
    [Theory]
    [InlineData(KernelVersion.V6_1, EntryRoute.Idt, true)]
    [InlineData(KernelVersion.V6_9, EntryRoute.Software, true)]
    [InlineData(KernelVersion.Latest, EntryRoute.Idt, true)]
    [InlineData(KernelVersion.Latest, EntryRoute.Software, true)]
    [InlineData(KernelVersion.Latest, EntryRoute.Idt, false)]
    public void Eoi_then_clear_local_APIC_then_software_disable_then_halt_for_good_smp_c_sysvec_reboot(
        KernelVersion version, EntryRoute route, bool thermalVector)
    {
        var model = K.Model(out var platform, K.Options(
            version,
            delivery: route == EntryRoute.Software ? DeliveryKind.Fred : DeliveryKind.Idt,
            config: K.Config(("X86_THERMAL_VECTOR", thermalVector))));
        platform.ApicRegisters[ApicDef.Spiv] = 0x1FF;
        platform.ApicRegisters[ApicDef.Lvtt] = 0x200EC;
        platform.ApicRegisters[ApicDef.Lvt0] = 0x10700;
        platform.ApicRegisters[ApicDef.Lvt1] = 0x400;
        platform.ApicRegisters[ApicDef.Lvtpc] = 0x400;
        platform.ApicRegisters[ApicDef.Lvtthmr] = 0xFA;
        platform.Calls.Clear();
        var r = model.ExternalInterrupt(1, 0xf8, route);
        Assert.Equal("sysvec_reboot", r.Handler);
        string[] thermal = thermalVector ? ["apic.read 1 0x330", "apic.write 1 0x330 0x100fa"] : [];
        string[] expected =
        [
            "eoi 1",
            "apic.read 1 0x030",                 // lapic_get_maxlvt(): 6
            "apic.write 1 0x370 0x100fe",        // LVTERR masked first, on ERROR_APIC_VECTOR
            "apic.read 1 0x320", "apic.write 1 0x320 0x300ec",
            "apic.read 1 0x350", "apic.write 1 0x350 0x10700",
            "apic.read 1 0x360", "apic.write 1 0x360 0x10400",
            "apic.read 1 0x340", "apic.write 1 0x340 0x10400",
            .. thermal,
            "apic.write 1 0x320 0x10000",        // "Clean APIC state for other OSs"
            "apic.write 1 0x350 0x10000",
            "apic.write 1 0x360 0x10000",
            "apic.write 1 0x370 0x10000",
            "apic.write 1 0x340 0x10000",
            "apic.write 1 0x280 0x0",            // maxlvt > 3: ESR write, then read
            "apic.read 1 0x280",
            "apic.read 1 0x0f0", "apic.write 1 0x0f0 0xff",
            "halt cpu1",
        ];
        Assert.Equal(expected, platform.Calls);
        Assert.Empty(platform.Logs);
    }
}
