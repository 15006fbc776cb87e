namespace IrqLab.Kernel;

/// <summary>
/// One <c>DEFINE_RATELIMIT_STATE</c> as used by <c>pr_emerg_ratelimited</c> (<c>lib/ratelimit.c</c>): at most
/// <c>DEFAULT_RATELIMIT_BURST</c> (10) messages per <c>DEFAULT_RATELIMIT_INTERVAL</c> (5 s); when a new interval starts
/// with suppressed messages the kernel prints <c>"%s: %d callbacks suppressed"</c> at KERN_WARNING.
/// </summary>
internal sealed class RateLimit
{
    private const long IntervalNs = 5_000_000_000;
    private const int Burst = 10;
    private long _begin = -1;
    private int _printed;
    private int _missed;

    /// <summary>Returns true when the message may print; <paramref name="suppressed"/> &gt; 0 asks for the "callbacks suppressed" line first.</summary>
    public bool Allow(long nowNs, out int suppressed)
    {
        suppressed = 0;
        if (_begin < 0)
        {
            _begin = nowNs;
        }

        if (nowNs > _begin + IntervalNs)
        {
            suppressed = _missed;
            _missed = 0;
            _begin = nowNs;
            _printed = 0;
        }

        if (_printed < Burst)
        {
            _printed++;
            return true;
        }

        _missed++;
        return false;
    }
}
