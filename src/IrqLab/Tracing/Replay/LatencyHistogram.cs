using System.Numerics;

namespace IrqLab.Tracing.Replay;

/// <summary>
/// Entry-to-exit durations of one handler in log2 buckets: bucket <c>b</c> counts durations in
/// <c>[2^b, 2^(b+1))</c> ns, bucket 0 also holds 0 and 1 ns (as <c>bpftrace hist()</c> / the kernel's hist triggers with <c>.log2</c>).
/// </summary>
/// <param name="Kind"><c>irq</c> (irq_handler_*), <c>vector</c> (irq_vectors) or <c>softirq</c>.</param>
/// <param name="Handler">Action name (<c>eth0</c>), event base name (<c>local_timer</c>) or softirq name (<c>TIMER</c>).</param>
/// <param name="Irq">Linux irq for <c>irq</c>, else null.</param>
/// <param name="Vector">Vector (or softirq number), else null.</param>
/// <param name="Buckets">Count per bucket, up to the highest non-empty bucket.</param>
/// <param name="Count">Number of samples.</param>
/// <param name="MinNs">Shortest duration.</param>
/// <param name="MaxNs">Longest duration.</param>
/// <param name="TotalNs">Sum of durations.</param>
public sealed record LatencyHistogram(
    string Kind,
    string Handler,
    int? Irq,
    int? Vector,
    IReadOnlyList<long> Buckets,
    long Count,
    long MinNs,
    long MaxNs,
    long TotalNs)
{
    /// <summary>Mean duration in ns (0 without samples).</summary>
    public double MeanNs => Count == 0 ? 0 : (double)TotalNs / Count;

    /// <summary>The bucket of a duration: <c>floor(log2(ns))</c>, 0 for 0 and 1 ns.</summary>
    /// <param name="ns">A non-negative duration.</param>
    /// <returns>The bucket index, 0..62.</returns>
    public static int BucketOf(long ns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ns);
        return ns <= 1 ? 0 : BitOperations.Log2((ulong)ns);
    }

    /// <summary>Lowest duration in bucket <paramref name="bucket"/> (0 for bucket 0).</summary>
    /// <param name="bucket">A bucket index.</param>
    /// <returns><c>2^bucket</c>, or 0.</returns>
    public static long BucketLowNs(int bucket) => bucket == 0 ? 0 : 1L << bucket;

    /// <summary>First duration above bucket <paramref name="bucket"/>: <c>2^(bucket+1)</c>.</summary>
    /// <param name="bucket">A bucket index.</param>
    /// <returns>The exclusive upper bound.</returns>
    public static long BucketHighNs(int bucket) => 1L << (bucket + 1);
}
