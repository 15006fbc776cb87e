using IrqLab.Benchmarks;
using Xunit;

namespace IrqLab.Tests.Benchmarks;

/// <summary>
/// ARCHITECTURE.md "the hot path allocates nothing per event": each benchmark kernel, in steady state, allocates 0 bytes
/// (allocation is deterministic; time is never asserted).
/// </summary>
public sealed class KernelAllocationTests
{
    public static TheoryData<string> Kernels() => new(BenchKernels.Names);

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Kernel_allocates_nothing_per_op_in_steady_state(string kernel)
    {
        var k = BenchKernels.Create(kernel);
        k.Run(2);

        // Each round is 4 x 4096 operations: an allocation per operation shows in every round.
        Assert.Equal(0, AllocationMeter.LeastPerRound(() => k.Run(4)));
    }

    [Fact]
    public void System_vector_mix_stays_on_quiet_handlers_and_eois_every_interrupt()
    {
        // The mix excludes slots whose handlers print (thermal, threshold, deferred error, spurious): no log line, one EOI
        // per interrupt, nothing left in service.
        var k = new SystemVectorKernel(BenchSequence.DefaultSeed, 1000);
        k.Run(3);
        Assert.Equal(0, k.Platform.LogCount);
        Assert.Equal(3000UL, k.Platform.EoiCount);
        Assert.Equal(0UL, k.Platform.Isr);
    }

    [Fact]
    public void Device_vector_runs_the_edge_flow_once_per_interrupt_kernel_irq_chip_c()
    {
        var k = new DeviceVectorKernel(BenchSequence.DefaultSeed, 500);
        k.Run(2);
        Assert.Equal(0, k.Platform.LogCount);
        Assert.Equal(1000UL, k.Desc.Kstat(0));
        Assert.Equal(1000UL, k.Platform.DeviceAcks);
        Assert.Equal(1000UL, k.Platform.EoiCount);
        Assert.Equal("edge", k.Desc.FlowName);
    }

    [Fact]
    public void Pipeline_takes_every_msi_through_delivery_dispatch_and_erets()
    {
        var k = new PipelineKernel(BenchSequence.DefaultSeed, 300);
        k.Run(2);
        Assert.Equal(600, k.Delivered);
        Assert.Equal(600, k.Apic.EoiCount);
        Assert.Equal(600UL, k.Platform.DeviceAcks);
        Assert.Equal(0, k.Platform.LogCount);
        Assert.True(k.Apic.Irr.IsEmpty && k.Apic.Isr.IsEmpty);
        Assert.Equal(0, k.Cpu.FrameDepth);
        Assert.True(k.Cpu.If);
    }

    [Fact]
    public void Lapic_scan_drains_every_batch_and_eois_every_acknowledged_vector_sdm_11_8_4()
    {
        var k = new LapicScanKernel(BenchSequence.DefaultSeed, 800);
        k.Run(1);
        Assert.True(k.Apic.Irr.IsEmpty && k.Apic.Isr.IsEmpty);
        Assert.Equal(k.Apic.AcceptedCount, k.Apic.EoiCount);
        Assert.Equal(0, k.Apic.SpuriousCount);
        Assert.Equal(800, k.Apic.AcceptedCount + k.Apic.CoalescedCount);
        Assert.True(k.Apic.CoalescedCount > 0, "8-vector batches from 224 vectors repeat some vector sometimes");
    }
}
