using IrqLab.Kernel;

namespace IrqLab.Benchmarks;

/// <summary>
/// <c>external_interrupt.system_vector</c>: <see cref="KernelModel.ExternalInterrupt"/> through
/// <see cref="EntryRoute.Software"/> (<c>fred_extint()</c> → <c>sysvec_table[]</c>) on a seeded mix of system vectors whose
/// handlers count and EOI (native: <c>irqlab_native_external_interrupt_system_vector</c>).
/// </summary>
internal sealed class SystemVectorKernel : BenchKernel
{
    private readonly BenchKernelPlatform _platform = new();
    private readonly KernelModel _model;

    public SystemVectorKernel(ulong seed, int length)
        : base("external_interrupt.system_vector", "irqlab_native_external_interrupt_system_vector", BenchSequence.Create(seed, length, Alphabet))
    {
        _model = BenchModels.Create(_platform);
        _model.CompleteSetup();
    }

    /// <summary>
    /// The system vectors of the mix: posted MSI notification, local timer, the three posted-interrupt IPIs, IRQ work,
    /// platform IPI, reboot, the two call-function IPIs, reschedule and error. The thermal, threshold, deferred-error and
    /// spurious slots print, so they stay out of a hot loop.
    /// </summary>
    public static ReadOnlySpan<byte> Alphabet => [0xeb, 0xec, 0xf0, 0xf1, 0xf2, 0xf6, 0xf7, 0xf8, 0xfb, 0xfc, 0xfd, 0xfe];

    /// <summary>The model dispatched through.</summary>
    public KernelModel Model => _model;

    /// <summary>The platform under the model.</summary>
    public BenchKernelPlatform Platform => _platform;

    public override void Run(int iterations) => BenchModels.RunExternalInterrupts(_model, _platform, Vectors, iterations);

    public override ulong Checksum() => BenchModels.PlatformChecksum(_model, _platform);
}
