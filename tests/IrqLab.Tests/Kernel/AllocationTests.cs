using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>The dispatch hot path allocates nothing in steady state (ARCHITECTURE.md design rules).</summary>
public sealed class AllocationTests
{
    [Theory]
    [InlineData(KernelVariant.Mainline, EntryRoute.Software)]
    [InlineData(KernelVariant.Rfc2022, EntryRoute.Software)]
    [InlineData(KernelVariant.Mainline, EntryRoute.Idt)]
    public void External_interrupt_for_system_and_device_vectors_allocates_nothing(KernelVariant variant, EntryRoute route)
    {
        var p = new NullPlatform();
        var model = new KernelModel(K.Options(KernelVersion.V6_10, variant, cpus: 2), p);
        model.RequestIrq(K.Pin(1, "ata0", 14));
        model.RequestIrq(K.Pin(2, "eth0", 16, level: true));
        model.RequestIrq(K.MsiX(3, "nvme0", 2));
        var edge = model.DescAt(14)!;
        var level = model.DescAt(16)!;
        var msi = model.DescAt(25)!;

        void Run()
        {
            for (var i = 0; i < 1000; i++)
            {
                model.ExternalInterrupt(0, 0xec, route);
                model.ExternalInterrupt(1, 0xfd, route);
                model.ExternalInterrupt(edge.Cpu, edge.Vector, route);
                model.ExternalInterrupt(level.Cpu, level.Vector, route);
                model.ExternalInterrupt(msi.Cpu, msi.Vector, route);
                model.Nmi(0);
            }
        }

        Run();
        Assert.Equal(0, AllocationMeter.LeastPerRound(Run));
        Assert.Equal(4000UL, model.ProcInterrupts.Count("LOC", 0));
    }
}
