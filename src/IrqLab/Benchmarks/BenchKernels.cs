namespace IrqLab.Benchmarks;

/// <summary>The kernels of the suite, in report order, each built fresh over its seeded sequence.</summary>
internal static class BenchKernels
{
    /// <summary>Kernel names in report order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "external_interrupt.system_vector",
        "external_interrupt.device_vector",
        "lapic.highest_priority_scan",
        "lapic.accept_eoi",
        "pipeline.msi_to_eoi",
    ];

    /// <summary>All kernels.</summary>
    public static BenchKernel[] CreateAll(ulong seed = BenchSequence.DefaultSeed, int length = BenchSequence.DefaultLength)
    {
        var kernels = new BenchKernel[Names.Count];
        for (var i = 0; i < kernels.Length; i++)
        {
            kernels[i] = Create(Names[i], seed, length);
        }

        return kernels;
    }

    /// <summary>The kernel called <paramref name="name"/>.</summary>
    public static BenchKernel Create(string name, ulong seed = BenchSequence.DefaultSeed, int length = BenchSequence.DefaultLength) => name switch
    {
        "external_interrupt.system_vector" => new SystemVectorKernel(seed, length),
        "external_interrupt.device_vector" => new DeviceVectorKernel(seed, length),
        "lapic.highest_priority_scan" => new LapicScanKernel(seed, length),
        "lapic.accept_eoi" => new LapicAcceptEoiKernel(seed, length),
        "pipeline.msi_to_eoi" => new PipelineKernel(seed, length),
        _ => throw new ArgumentException($"no kernel {name}", nameof(name)),
    };
}
