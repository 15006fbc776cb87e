using IrqLab.Kernel;
using IrqLab.Kernel.Irq;

namespace IrqLab.Benchmarks;

/// <summary>
/// <c>external_interrupt.device_vector</c>: <see cref="KernelModel.ExternalInterrupt"/> through
/// <see cref="EntryRoute.Software"/> on the vector of one requested MSI-X irq: <c>common_interrupt</c> → per-CPU
/// <c>vector_irq[]</c> → <c>handle_edge_irq</c> → the action → <c>note_interrupt</c>
/// (native: <c>irqlab_native_external_interrupt_device_vector</c>).
/// </summary>
internal sealed class DeviceVectorKernel : BenchKernel
{
    private readonly BenchKernelPlatform _platform;
    private readonly KernelModel _model;
    private readonly IrqDesc _desc;

    public DeviceVectorKernel(ulong seed, int length)
        : this(Setup(), seed, length)
    {
    }

    private DeviceVectorKernel((BenchKernelPlatform Platform, KernelModel Model, IrqDesc Desc) setup, ulong seed, int length)
        : base("external_interrupt.device_vector", "irqlab_native_external_interrupt_device_vector",
            BenchSequence.Create(seed, length, [(byte)setup.Desc.Vector]))
    {
        _platform = setup.Platform;
        _model = setup.Model;
        _desc = setup.Desc;
    }

    /// <summary>The model dispatched through.</summary>
    public KernelModel Model => _model;

    /// <summary>The platform under the model.</summary>
    public BenchKernelPlatform Platform => _platform;

    /// <summary>The device's irq descriptor.</summary>
    public IrqDesc Desc => _desc;

    public override void Run(int iterations) => BenchModels.RunExternalInterrupts(_model, _platform, Vectors, iterations);

    /// <summary>The platform fold, then the descriptor's kstat and tot_count and the device acknowledges (native <c>bench_device_checksum()</c>).</summary>
    public override ulong Checksum()
    {
        var h = BenchModels.PlatformChecksum(_model, _platform);
        h = BenchChecksum.Fold(h, _desc.Kstat(BenchModels.Cpu));
        h = BenchChecksum.Fold(h, _desc.TotalCount);
        return BenchChecksum.Fold(h, _platform.DeviceAcks);
    }

    private static (BenchKernelPlatform, KernelModel, IrqDesc) Setup()
    {
        var platform = new BenchKernelPlatform();
        var model = BenchModels.Create(platform);
        var irq = BenchModels.RequestDevice(model);
        model.CompleteSetup();
        var desc = model.DescAt(irq) ?? throw new InvalidOperationException("the benchmark device has no descriptor");
        return (platform, model, desc);
    }
}
