using System.Diagnostics;
using System.Globalization;

namespace IrqLab.Benchmarks;

/// <summary>
/// The in-process side-by-side runner behind <c>irqlab bench</c>: each C# kernel and its native C counterpart
/// (<c>bench/native</c>) run back to back over the same seeded vector sequence, timed with <see cref="Stopwatch"/> (C#)
/// and <c>clock_gettime(CLOCK_MONOTONIC)</c> (C) in alternating short rounds after a warm-up, best round per side;
/// managed allocation is measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/>.
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
            var result = Measure(kernel, native, plan);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench: {kernel.Name}: {result.NsPerOp:F2} ns/op, native {(result.NativeNsPerOp is { } n ? n.ToString("F2", CultureInfo.InvariantCulture) : "-")}, {result.AllocatedBytesPerOp:0.##} B/op"));
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

    /// <summary>
    /// Warms the C# kernel up, sizes one round of each side to <see cref="BenchPlan.Round"/>, then alternates C# and native
    /// rounds so both see the same machine load; each side's result is its best round (noise only ever adds time).
    /// Allocation is counted around the C# rounds only.
    /// </summary>
    private static KernelBenchResult Measure(BenchKernel kernel, NativeReference native, BenchPlan plan)
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

        var export = kernel.NativeExport;
        var nativeIterations = 0;
        if (export is not null)
        {
            native.Run(export, kernel.Vectors, 1, out _);
            var perOp = native.Run(export, kernel.Vectors, Probe, out _);
            nativeIterations = Math.Max(1, (int)(plan.Round.TotalNanoseconds / Math.Max(perOp * ops, 1)));
        }

        var best = double.MaxValue;
        var bestNative = double.MaxValue;
        long allocated = 0;
        for (var r = 0; r < plan.Rounds; r++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var t0 = Stopwatch.GetTimestamp();
            kernel.Run(iterations);
            var t1 = Stopwatch.GetTimestamp();
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            best = Math.Min(best, (t1 - t0) * (1e9 / Stopwatch.Frequency) / (iterations * ops));
            if (export is not null)
            {
                bestNative = Math.Min(bestNative, native.Run(export, kernel.Vectors, nativeIterations, out _));
            }
        }

        double? nativeNs = export is not null ? bestNative : null;
        double? ratio = nativeNs is > 0 ? best / nativeNs.Value : null;
        double? rate = kernel.IsPipeline && best > 0 ? 1e9 / best : null;
        return new KernelBenchResult(kernel.Name, best, nativeNs, ratio, allocated / (ops * iterations * plan.Rounds), rate);
    }
}
