using Xunit;

namespace IrqLab.Tests.Benchmarks;

/// <summary>
/// The test classes that run the native reference in the test process. The library keeps its state in C globals
/// (bench/native/src/common_interrupt.c: <c>vector_irq[]</c>, the descriptor, the APIC), and every load of the same path
/// shares them, so two classes running its kernels at once (NativeChecksumTests, and CliBenchKernelTests' in-process
/// <c>irqlab bench --kernel</c>) corrupted each other's state: a full run on a fresh clone saw the device-vector
/// checksums differ. Classes of one collection run one after another.
/// </summary>
[CollectionDefinition(Name)]
public sealed class NativeReferenceCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "native reference in process";
}
