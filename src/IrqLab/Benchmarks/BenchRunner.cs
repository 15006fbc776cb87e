using System.Diagnostics;
using System.Globalization;

namespace IrqLab.Benchmarks;

/// <summary>
/// The in-process side-by-side runner behind <c>irqlab bench</c>: each C# kernel and its native C counterpart
/// (<c>bench/native</c>) run back to back over the same seeded vector sequence, timed with <see cref="Stopwatch"/> (C#)
/// and <c>clock_gettime(CLOCK_MONOTONIC)</c> (C), median of several rounds after a warm-up; managed allocation is
/// measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/>.
/// </summary>
public static class BenchRunner
{
    /// <summary>
    /// Runs the suite. Throws <see cref="BenchSetupException"/> when the native reference is missing and cannot be built,
    /// or when it disagrees with a C# kernel on the work done (a stale build).
    /// </summary>
    public static BenchReport Run(BenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var log = options.Log ?? TextWriter.Null;
        var plan = options.Quick ? BenchPlan.Quick : BenchPlan.Full;
        var path = NativeLibraryLocator.Resolve(options.NativeLibraryPath, log);
        log.WriteLine($"bench: native reference {path}");
        using var native = NativeReference.Load(path);
        Verify(native);

        var results = new List<KernelBenchResult>(BenchKernels.Names.Count);
        foreach (var kernel in BenchKernels.CreateAll())
        {
            var (ns, allocated) = MeasureManaged(kernel, plan);
            double? nativeNs = kernel.NativeExport is { } export ? MeasureNative(native, export, kernel.Vectors, plan) : null;
            double? ratio = nativeNs is > 0 ? ns / nativeNs.Value : null;
            double? rate = kernel.IsPipeline && ns > 0 ? 1e9 / ns : null;
            var result = new KernelBenchResult(kernel.Name, ns, nativeNs, ratio, allocated, rate);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench: {kernel.Name}: {ns:F2} ns/op, native {(nativeNs is { } n ? n.ToString("F2", CultureInfo.InvariantCulture) : "-")}, {allocated:0.##} B/op"));
            results.Add(result);
        }

        return new BenchReport(MachineProbe.Probe(), results, []);
    }

    /// <summary>
    /// Runs a fresh instance of every kernel with a native counterpart and the counterpart itself for
    /// <paramref name="iterations"/> passes and returns both checksums (equal when both did the same work).
    /// </summary>
    internal static IReadOnlyList<(string Kernel, ulong Managed, ulong Native)> CompareChecksums(NativeReference native, int iterations)
    {
        var result = new List<(string, ulong, ulong)>();
        foreach (var kernel in BenchKernels.CreateAll())
        {
            if (kernel.NativeExport is not { } export)
            {
                continue;
            }

            kernel.Run(iterations);
            native.Run(export, kernel.Vectors, iterations, out var nativeSum);
            result.Add((kernel.Name, kernel.Checksum(), nativeSum));
        }

        return result;
    }

    private static void Verify(NativeReference native)
    {
        var first = BenchModels.Create(new BenchKernelPlatform()).Layout.FirstSystemVector;
        if (native.FirstSystemVector != first)
        {
            throw new BenchSetupException(string.Create(CultureInfo.InvariantCulture,
                $"{native.Path} models FIRST_SYSTEM_VECTOR 0x{native.FirstSystemVector:x2}, the C# model 0x{first:x2}: update bench/native/src/dispatch.h"));
        }

        foreach (var (kernel, managed, nativeSum) in CompareChecksums(native, 2))
        {
            if (managed != nativeSum)
            {
                throw new BenchSetupException(string.Create(CultureInfo.InvariantCulture,
                    $"{kernel}: the native reference did different work (checksum 0x{nativeSum:x16}, C# 0x{managed:x16}); rebuild bench/native or bring it in line with the C# kernel"));
            }
        }
    }

    private static (double NsPerOp, double AllocatedBytesPerOp) MeasureManaged(BenchKernel kernel, BenchPlan plan)
    {
        var ops = (double)kernel.Vectors.Length;
        var start = Stopwatch.GetTimestamp();
        do
        {
            kernel.Run(1);
        }
        while (Stopwatch.GetElapsedTime(start) < plan.Warmup);

        const int Probe = 4;
        var t = Stopwatch.GetTimestamp();
        kernel.Run(Probe);
        var passNs = Stopwatch.GetElapsedTime(t).TotalNanoseconds / Probe;
        var iterations = Math.Max(1, (int)(plan.Round.TotalNanoseconds / Math.Max(passNs, 1)));

        var samples = new double[plan.Rounds];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var r = 0; r < samples.Length; r++)
        {
            var t0 = Stopwatch.GetTimestamp();
            kernel.Run(iterations);
            var t1 = Stopwatch.GetTimestamp();
            samples[r] = (t1 - t0) * (1e9 / Stopwatch.Frequency) / (iterations * ops);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return (Median(samples), allocated / (ops * iterations * samples.Length));
    }

    private static double MeasureNative(NativeReference native, string export, byte[] vectors, BenchPlan plan)
    {
        native.Run(export, vectors, 1, out _);
        var perOp = native.Run(export, vectors, 4, out _);
        var iterations = Math.Max(1, (int)(plan.Round.TotalNanoseconds / Math.Max(perOp * vectors.Length, 1)));
        var samples = new double[plan.Rounds];
        for (var r = 0; r < samples.Length; r++)
        {
            samples[r] = native.Run(export, vectors, iterations, out _);
        }

        return Median(samples);
    }

    private static double Median(double[] samples)
    {
        Array.Sort(samples);
        var mid = samples.Length / 2;
        return samples.Length % 2 == 1 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
    }
}
