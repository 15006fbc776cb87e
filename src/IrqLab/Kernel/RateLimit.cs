namespace IrqLab.Kernel;

/// <summary>
/// One <c>DEFINE_RATELIMIT_STATE</c> as used by <c>pr_emerg_ratelimited</c> (<c>lib/ratelimit.c</c>): at most
/// <c>DEFAULT_RATELIMIT_BURST</c> (10) messages per <c>DEFAULT_RATELIMIT_INTERVAL</c> (5 s); when a new interval starts
/// with suppressed messages the kernel prints <c>"%s: %d callbacks suppressed"</c> at KERN_WARNING. Time is kept in
/// jiffies as <c>___ratelimit()</c> keeps it: <c>begin</c> is the jiffy of the first call and a new interval starts
/// only when <c>time_is_before_jiffies(begin + interval)</c>, i.e. at jiffy <c>begin + 5 * HZ + 1</c>.
/// </summary>
internal sealed class RateLimit
{
    private const long IntervalJiffies = 5 * KernelModel.Hz; // DEFAULT_RATELIMIT_INTERVAL
    private const int Burst = 10;
    private long _begin = -1;
    private int _printed;
    private int _missed;

    /// <summary>Returns true when the message may print; <paramref name="suppressed"/> &gt; 0 asks for the "callbacks suppressed" line first.</summary>
    public bool Allow(long nowNs, out int suppressed)
    {
        suppressed = 0;
        var jiffies = nowNs / KernelModel.NsPerJiffy;
        if (_begin < 0)
        {
            _begin = jiffies;
        }

        if (jiffies > _begin + IntervalJiffies)
        {
            suppressed = _missed;
            _missed = 0;
            _begin = jiffies;
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
