namespace IrqLab.Tests;

/// <summary>
/// Measures what a hot-path body allocates on the calling thread (ARCHITECTURE.md: the hot path allocates nothing per
/// event).
/// </summary>
internal static class AllocationMeter
{
    /// <summary>
    /// Runs <paramref name="body"/> <paramref name="rounds"/> times and returns the fewest bytes one round allocated.
    /// An allocation per event shows in every round; a one-off one by the runtime (tiering a loop up, call counting,
    /// a lazily built helper) in a busy test run lands in one round only and does not make a zero-allocation test flaky.
    /// </summary>
    public static long LeastPerRound(Action body, int rounds = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var least = long.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            body();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
