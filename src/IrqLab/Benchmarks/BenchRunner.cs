using System.Diagnostics;
using System.Globalization;

namespace IrqLab.Benchmarks;

/// <summary>
/// The side-by-side runner behind <c>irqlab bench</c>: each C# kernel and its native C counterpart
/// (<c>bench/native</c>) run back to back over the same seeded vector sequence, timed with <see cref="Stopwatch"/> (C#)
/// and <c>clock_gettime(CLOCK_MONOTONIC)</c> (C) in alternating short rounds after a warm-up, best round per side;
/// managed allocation is measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/>.
/// </summary>
public static class BenchRunner
{
    /// <summary>The kernels of the suite, in report order (SCENARIOS.md §12).</summary>
    public static IReadOnlyList<string> KernelNames => BenchKernels.Names;

    /// <summary>
    /// Runs every kernel in this process, one after another. Throws <see cref="BenchSetupException"/> when the native
    /// reference is missing and cannot be built, or when it disagrees with a C# kernel on the work done (a stale build).
    /// The kernels share the JIT's profile here (<c>ExternalInterrupt</c> serves two of them), so the CLI measures each in
    /// a process of its own with <see cref="RunKernel"/> instead (docs/performance.md).
    /// </summary>
    public static BenchReport Run(BenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var log = options.Log ?? TextWriter.Null;
        var plan = options.Quick ? BenchPlan.Quick : BenchPlan.Full;
        using var native = LoadVerified(options, BenchKernels.Names);
        var results = new List<KernelBenchResult>(BenchKernels.Names.Count);
        foreach (var kernel in BenchKernels.CreateAll())
        {
            results.Add(MeasureAndLog(kernel, native, plan, log));
        }

        return new BenchReport(MachineProbe.Probe(native.Path), results, []);
    }

    /// <summary>
    /// Finds (or builds) the native reference and checks it against every C# kernel, measuring nothing; returns its
    /// path for the processes that then measure one kernel each (<see cref="RunKernel"/>).
    /// </summary>
    /// <exception cref="BenchSetupException">As for <see cref="Run"/>.</exception>
    public static string Prepare(BenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var native = LoadVerified(options, BenchKernels.Names);
        return native.Path;
    }

    /// <summary>
    /// Measures the kernel called <paramref name="name"/> (one of <see cref="KernelNames"/>) and its native counterpart in
    /// this process, after checking that both do the same work. Only that kernel runs in the process, so the JIT
    /// compiles the code it shares with other kernels with this kernel's profile.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a kernel of the suite.</exception>
    /// <exception cref="BenchSetupException">As for <see cref="Run"/>.</exception>
    public static KernelBenchResult RunKernel(BenchOptions options, string name)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(name);
        if (!BenchKernels.Names.Contains(name, StringComparer.Ordinal))
        {
            throw new ArgumentException($"no kernel {name} in the suite ({string.Join(", ", BenchKernels.Names)})", nameof(name));
        }

        using var native = LoadVerified(options, [name]);
        return MeasureAndLog(BenchKernels.Create(name), native, options.Quick ? BenchPlan.Quick : BenchPlan.Full,
            options.Log ?? TextWriter.Null);
    }

    /// <summary>
    /// Runs a fresh instance of every kernel with a native counterpart and the counterpart itself for
    /// <paramref name="iterations"/> passes and returns both checksums (equal when both did the same work).
    /// </summary>
    internal static IReadOnlyList<(string Kernel, ulong Managed, ulong Native)> CompareChecksums(NativeReference native, int iterations) =>
        CompareChecksums(native, iterations, BenchKernels.Names);

    private static List<(string Kernel, ulong Managed, ulong Native)> CompareChecksums(NativeReference native, int iterations,
        IReadOnlyList<string> names)
    {
        var result = new List<(string, ulong, ulong)>();
        foreach (var kernel in names.Select(n => BenchKernels.Create(n)))
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

    /// <summary>Resolves and loads the native reference (logging which) and checks it against <paramref name="kernels"/>.</summary>
    private static NativeReference LoadVerified(BenchOptions options, IReadOnlyList<string> kernels)
    {
        var log = options.Log ?? TextWriter.Null;
        var path = NativeLibraryLocator.Resolve(options.NativeLibraryPath, log);
        log.WriteLine($"bench: native reference {path}");
        var native = NativeReference.Load(path);
        try
        {
            Verify(native, kernels);
            return native;
        }
        catch
        {
            native.Dispose();
            throw;
        }
    }

    private static KernelBenchResult MeasureAndLog(BenchKernel kernel, NativeReference native, BenchPlan plan, TextWriter log)
    {
        var result = Measure(kernel, native, plan);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench: {kernel.Name}: {result.NsPerOp:F2} ns/op, native {(result.NativeNsPerOp is { } n ? n.ToString("F2", CultureInfo.InvariantCulture) : "-")}, {result.AllocatedBytesPerOp:0.##} B/op"));
        return result;
    }

    private static void Verify(NativeReference native, IReadOnlyList<string> kernels)
    {
        var first = BenchModels.Create(new BenchKernelPlatform()).Layout.FirstSystemVector;
        if (native.FirstSystemVector != first)
        {
            throw new BenchSetupException(string.Create(CultureInfo.InvariantCulture,
                $"{native.Path} models FIRST_SYSTEM_VECTOR 0x{native.FirstSystemVector:x2}, the C# model 0x{first:x2}: update bench/native/src/dispatch.h"));
        }

        foreach (var (kernel, managed, nativeSum) in CompareChecksums(native, 2, kernels))
        {
            if (managed != nativeSum)
            {
                throw new BenchSetupException(string.Create(CultureInfo.InvariantCulture,
                    $"{kernel}: the native reference did different work (checksum 0x{nativeSum:x16}, C# 0x{managed:x16}); rebuild bench/native or bring it in line with the C# kernel"));
            }
        }
    }

    /// <summary>
    /// Runs one pass of the kernel at a time and lets the runtime's background compiler finish before the next, until
    /// passes compile nothing new. Tiered compilation promotes a method after 30 calls, first to an instrumented version
    /// that gathers the profile (which types an interface call meets, which branches are taken), then to optimized code
    /// that inlines and lays out blocks by that profile. Warmed up in one stretch, the kernel kept calling while those
    /// versions were compiled in the background, so how much profile each method had gathered when its caller was
    /// optimized depended on thread timing, and a process now and then got another inlining: the device-vector kernel's
    /// 6.88 ns mode against 6.54 (1.21x against 1.15x), in 3 of 11 full <c>irqlab bench</c> runs, where
    /// <c>DOTNET_JitDisasmSummary</c> showed the APIC EOI left as a call of its own (docs/performance.md). A pass calls every hot method
    /// thousands of times in well under a millisecond, far less than one compilation takes, so each step's promotions
    /// all happen in the pause after it and the sequence is the same in every process.
    /// </summary>
    private static void TierUpInSteps(BenchKernel kernel)
    {
        const int MaxSteps = 40;
        const int QuietSteps = 3;
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        var quiet = 0;
        for (var step = 0; step < MaxSteps && quiet < QuietSteps; step++)
        {
            kernel.Run(1);
            var now = WaitForCompilerQuiet();
            quiet = now == compiled ? quiet + 1 : 0;
            compiled = now;
        }
    }

    /// <summary>Waits until no method has been compiled for 30 ms (the background compiler's queue is empty) and returns the count.</summary>
    private static long WaitForCompilerQuiet()
    {
        var count = System.Runtime.JitInfo.GetCompiledMethodCount();
        var since = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(since) < TimeSpan.FromMilliseconds(30))
        {
            Thread.Sleep(2);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != count)
            {
                count = now;
                since = Stopwatch.GetTimestamp();
            }
        }

        return count;
    }

    /// <summary>
    /// Warms the C# kernel up, sizes one round of each side to <see cref="BenchPlan.Round"/>, then alternates C# and native
    /// rounds so both see the same machine load; each side's result is its best round (noise only ever adds time).
    /// Allocation is counted around the C# rounds only.
    /// </summary>
    private static KernelBenchResult Measure(BenchKernel kernel, NativeReference native, BenchPlan plan)
    {
        var ops = (double)kernel.Vectors.Length;
        TierUpInSteps(kernel);
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
