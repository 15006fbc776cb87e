using BenchmarkDotNet.Attributes;

namespace IrqLab.Benchmarks;

/// <summary>
/// The C# kernels of <c>irqlab bench</c> under BenchmarkDotNet: each invocation is one pass over the seeded sequence,
/// so the reported time is per interrupt (<see cref="Ops"/> operations per invoke).
/// </summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    /// <summary>Operations per invocation: the length of a kernel's sequence.</summary>
    public const int Ops = BenchSequence.DefaultLength;

    private BenchKernel _systemVector = null!;
    private BenchKernel _deviceVector = null!;
    private BenchKernel _lapicScan = null!;
    private BenchKernel _lapicAcceptEoi = null!;
    private BenchKernel _pipeline = null!;

    [GlobalSetup]
    public void Setup()
    {
        _systemVector = BenchKernels.Create("external_interrupt.system_vector");
        _deviceVector = BenchKernels.Create("external_interrupt.device_vector");
        _lapicScan = BenchKernels.Create("lapic.highest_priority_scan");
        _lapicAcceptEoi = BenchKernels.Create("lapic.accept_eoi");
        _pipeline = BenchKernels.Create("pipeline.msi_to_eoi");
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "external_interrupt.system_vector")]
    public void ExternalInterruptSystemVector() => _systemVector.Run(1);

    [Benchmark(OperationsPerInvoke = Ops, Description = "external_interrupt.device_vector")]
    public void ExternalInterruptDeviceVector() => _deviceVector.Run(1);

    [Benchmark(OperationsPerInvoke = Ops, Description = "lapic.highest_priority_scan")]
    public void LapicHighestPriorityScan() => _lapicScan.Run(1);

    [Benchmark(OperationsPerInvoke = Ops, Description = "lapic.accept_eoi")]
    public void LapicAcceptEoi() => _lapicAcceptEoi.Run(1);

    [Benchmark(OperationsPerInvoke = Ops, Description = "pipeline.msi_to_eoi")]
    public void PipelineMsiToEoi() => _pipeline.Run(1);
}
