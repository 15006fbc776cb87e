namespace IrqLab.Benchmarks;

/// <summary>One kernel's measurement (an entry of <c>kernels</c> in SCENARIOS.md §12).</summary>
/// <param name="Name">Kernel name (<c>external_interrupt.system_vector</c>, ...).</param>
/// <param name="NsPerOp">C# nanoseconds per operation (best round).</param>
/// <param name="NativeNsPerOp">The native C reference's nanoseconds per operation in the same run, or null without one.</param>
/// <param name="Ratio"><see cref="NsPerOp"/> / <see cref="NativeNsPerOp"/>, or null without a native counterpart.</param>
/// <param name="AllocatedBytesPerOp">Managed bytes allocated per operation over the measured rounds.</param>
/// <param name="InterruptsPerSecond">Throughput of the pipeline kernel (1e9 / <see cref="NsPerOp"/>), else null.</param>
public sealed record KernelBenchResult(
    string Name,
    double NsPerOp,
    double? NativeNsPerOp,
    double? Ratio,
    double AllocatedBytesPerOp,
    double? InterruptsPerSecond);
