using BenchmarkDotNet.Attributes;

namespace IrqLab.Benchmarks;

/// <summary>
/// The native C reference (<c>bench/native</c>, built with cmake when missing) under BenchmarkDotNet, over the same
/// sequences as <see cref="KernelBenchmarks"/>: one invocation is one pass, timed by BenchmarkDotNet around the call.
/// </summary>
[MemoryDiagnoser]
public class NativeBenchmarks
{
    private NativeReference _native = null!;
    private byte[] _systemVector = null!;
    private byte[] _deviceVector = null!;
    private byte[] _lapicScan = null!;
    private byte[] _lapicAcceptEoi = null!;

    [GlobalSetup]
    public void Setup()
    {
        _native = NativeReference.Load(NativeLibraryLocator.Resolve(null, Console.Out));
        _systemVector = BenchKernels.Create("external_interrupt.system_vector").Vectors;
        _deviceVector = BenchKernels.Create("external_interrupt.device_vector").Vectors;
        _lapicScan = BenchKernels.Create("lapic.highest_priority_scan").Vectors;
        _lapicAcceptEoi = BenchKernels.Create("lapic.accept_eoi").Vectors;
    }

    [GlobalCleanup]
    public void Cleanup() => _native.Dispose();

    [Benchmark(OperationsPerInvoke = KernelBenchmarks.Ops, Description = "native external_interrupt.system_vector")]
    public double ExternalInterruptSystemVector() => _native.Run("irqlab_native_external_interrupt_system_vector", _systemVector, 1, out _);

    [Benchmark(OperationsPerInvoke = KernelBenchmarks.Ops, Description = "native external_interrupt.device_vector")]
    public double ExternalInterruptDeviceVector() => _native.Run("irqlab_native_external_interrupt_device_vector", _deviceVector, 1, out _);

    [Benchmark(OperationsPerInvoke = KernelBenchmarks.Ops, Description = "native lapic.highest_priority_scan")]
    public double LapicHighestPriorityScan() => _native.Run("irqlab_native_lapic_highest_priority_scan", _lapicScan, 1, out _);

    [Benchmark(OperationsPerInvoke = KernelBenchmarks.Ops, Description = "native lapic.accept_eoi")]
    public double LapicAcceptEoi() => _native.Run("irqlab_native_lapic_accept_eoi", _lapicAcceptEoi, 1, out _);
}
