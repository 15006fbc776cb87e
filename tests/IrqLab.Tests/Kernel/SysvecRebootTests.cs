using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>
/// <c>sysvec_reboot</c> (arch/x86/kernel/smp.c): <c>apic_eoi()</c>, then <c>stop_this_cpu()</c> (arch/x86/kernel/process.c),
/// whose <c>disable_local_APIC()</c> clears APIC_SPIV_APIC_ENABLED before the CPU halts for good.
/// </summary>
public sealed class SysvecRebootTests
{
    [Theory]
    [InlineData(KernelVersion.V6_1, EntryRoute.Idt)]
    [InlineData(KernelVersion.V6_9, EntryRoute.Software)]
    [InlineData(KernelVersion.Latest, EntryRoute.Idt)]
    [InlineData(KernelVersion.Latest, EntryRoute.Software)]
    public void Eoi_then_software_disable_then_halt_for_good_smp_c_sysvec_reboot(KernelVersion version, EntryRoute route)
    {
        var model = K.Model(out var platform, K.Options(version, delivery: route == EntryRoute.Software ? DeliveryKind.Fred : DeliveryKind.Idt));
        platform.ApicRegisters[ApicDef.Spiv] = 0x1FF;
        platform.Calls.Clear();
        var r = model.ExternalInterrupt(1, 0xf8, route);
        Assert.Equal("sysvec_reboot", r.Handler);
        Assert.Equal(["eoi 1", "apic.read 1 0x0f0", "apic.write 1 0x0f0 0xff", "halt cpu1"], platform.Calls);
        Assert.Empty(platform.Logs);
    }
}
