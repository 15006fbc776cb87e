using IrqLab.Kernel;
using IrqLab.Kernel.Proc;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;

namespace IrqLab.Benchmarks;

/// <summary>The kernel the benchmarks dispatch through: latest mainline, FRED, default Kconfig, one CPU, no IO-APIC, no PIC.</summary>
internal static class BenchModels
{
    /// <summary>The CPU every benchmark runs on.</summary>
    public const int Cpu = 0;

    /// <summary>The benchmark device's number.</summary>
    public const int Device = 0;

    /// <summary>
    /// The /proc/interrupts rows the system-vector handlers count, in the order of the fields of <c>irq_cpustat_t</c> in
    /// <c>bench/native/src/bench_platform.h</c> that <c>platform_checksum()</c> folds.
    /// </summary>
    public static ReadOnlySpan<ArchRow> ChecksumRows =>
    [
        ArchRow.Loc, ArchRow.Spu, ArchRow.Iwi, ArchRow.Plt, ArchRow.Res, ArchRow.Cal, ArchRow.Err,
        ArchRow.Pin, ArchRow.Piw, ArchRow.Npi, ArchRow.Pmn,
    ];

    /// <summary>Builds the model on <paramref name="platform"/>.</summary>
    public static KernelModel Create(IKernelPlatform platform) =>
        new(new KernelOptions(KernelVersion.Latest, KernelVariant.Mainline, DeliveryKind.Fred, Cfi: false,
            KconfigDefaults.Create(), Cpus: 1, IoApicPins: [], HasPic: false), platform);

    /// <summary>Requests the benchmark device: one MSI-X vector on <see cref="Cpu"/>, handler returns IRQ_HANDLED.</summary>
    public static int RequestDevice(KernelModel model)
    {
        var irqs = model.RequestIrq(new DeviceRequest(Device, "irqlab-bench", DeviceLineKind.MsiX, 0, 0, -1, false, false, false,
            1, [Cpu], HandlerReturn.Handled, 0));
        return irqs[0];
    }

    /// <summary>Folds the counters of <paramref name="model"/> and <paramref name="platform"/> (native <c>platform_checksum()</c>).</summary>
    public static ulong PlatformChecksum(KernelModel model, BenchKernelPlatform platform)
    {
        var h = BenchChecksum.Init;
        foreach (var row in ChecksumRows)
        {
            h = BenchChecksum.Fold(h, model.ProcInterrupts.Get(row, Cpu));
        }

        h = BenchChecksum.Fold(h, platform.EoiCount);
        h = BenchChecksum.Fold(h, platform.Isr);
        h = BenchChecksum.Fold(h, platform.Halts);
        return BenchChecksum.Fold(h, platform.Spiv);
    }

    /// <summary>
    /// The timed loop of both <c>external_interrupt</c> kernels (native: <c>external_interrupt_loop()</c>): for each vector,
    /// mark it in service as the CPU's acknowledge would, then dispatch it through <c>fred_extint()</c>.
    /// </summary>
    public static void RunExternalInterrupts(KernelModel model, BenchKernelPlatform platform, byte[] vectors, int iterations)
    {
        for (var it = 0; it < iterations; it++)
        {
            DispatchPass(model, platform, vectors);
        }
    }

    // One pass over the sequence, a method of its own: called once per pass, it is tiered as the simulator's hot
    // methods are (instrumented, then optimised with its profile), not compiled once by on-stack replacement of the
    // long outer loop, which has no profile to devirtualise the platform calls with.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void DispatchPass(KernelModel model, BenchKernelPlatform platform, byte[] vectors)
    {
        for (var i = 0; i < vectors.Length; i++)
        {
            int v = vectors[i];
            platform.MarkInService(v);
            model.ExternalInterrupt(Cpu, v, EntryRoute.Software);
        }
    }
}
