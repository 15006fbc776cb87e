using static IrqLab.Hardware.Apic.ApicConst;

namespace IrqLab.Hardware.Apic;

/// <content>
/// The APIC timer (SDM §11.5.4): one-shot, periodic and TSC-deadline. The count is derived from simulated time:
/// a "segment" starts at <c>_segStartNs</c> with <c>_segStartCount</c>; elapsed ticks =
/// floor(Δns · TimerHz / (divisor · 1e9)), so current-count reads follow the host clock exactly.
/// </content>
public sealed partial class LocalApic
{
    private const long NsPerSecond = 1_000_000_000;
    private uint _timerInitial;
    private uint _timerDivide;
    private long _segStartNs;
    private ulong _segStartCount;
    private ulong _segFires;
    private bool _timerArmed;
    private long _nextTimerNs = long.MaxValue;
    private ulong _tscDeadline;

    /// <summary>Simulated time of the next timer expiry, or <see cref="long.MaxValue"/> when none is armed.</summary>
    public long NextTimerEventNs => _nextTimerNs;

    /// <summary>Timer expirations so far (delivered or suppressed by the mask bit).</summary>
    public long TimerExpirations { get; private set; }

    /// <summary>Timer divisor from the divide configuration register: 2, 4, 8, 16, 32, 64, 128 or 1
    /// (SDM Figure 11-10; KVM <c>update_divide_count</c>).</summary>
    public int TimerDivisor => DivisorOf(_timerDivide);

    /// <summary>LVT timer mode bits 18:17: 0 one-shot, 1 periodic, 2 TSC-deadline, 3 reserved (an initial count
    /// starts nothing).</summary>
    public int TimerMode => (int)((_lvt[LvtTimer] >> LvtTimerModeShift) & 3);

    private bool IsTscDeadlineMode => TimerMode == (int)TimerModeTscDeadline;

    private bool IsPeriodicMode => TimerMode == (int)TimerModePeriodic;

    /// <summary>The divisor encoded by divide configuration bits 3,1,0.</summary>
    public static int DivisorOf(uint divideConfiguration)
    {
        var d = ((divideConfiguration >> 1) & 4) | (divideConfiguration & 3);
        return d == 7 ? 1 : 2 << (int)d;
    }

    /// <summary>
    /// The host calls this at <see cref="NextTimerEventNs"/>: one expiry fires through the LVT timer entry (the mask
    /// bit only suppresses the interrupt), a periodic timer re-arms for the next period, a one-shot timer stops, a
    /// TSC deadline clears the MSR. At most one expiry per call; calls before the expiry do nothing. Calls
    /// <see cref="ILocalApicHost.TimerChanged"/> after re-arming.
    /// </summary>
    public void OnTimer(long nowNs)
    {
        if (nowNs < _nextTimerNs)
        {
            return;
        }

        if (IsTscDeadlineMode)
        {
            if (_tscDeadline == 0)
            {
                return;
            }

            _tscDeadline = 0;
            _nextTimerNs = long.MaxValue;
        }
        else
        {
            if (!_timerArmed)
            {
                return;
            }

            if (IsPeriodicMode)
            {
                _segFires++;
                _nextTimerNs = ExpiryNs(_segStartCount + (_segFires * _timerInitial));
                if (_nextTimerNs <= nowNs)
                {
                    SkipExpiriesWithin(nowNs);
                }
            }
            else
            {
                _timerArmed = false;
                _nextTimerNs = long.MaxValue;
            }
        }

        FireTimer();
        _host.TimerChanged(this);
    }

    /// <summary>
    /// A period shorter than the engine's 1 ns step: the expiries that fall within this nanosecond merge into the one
    /// firing now (counted in <see cref="TimerExpirations"/>, delivered once, as its IRR bit would hold them), and the
    /// timer re-arms at the first expiry after it — at most one timer interrupt per ns, like every other source.
    /// </summary>
    private void SkipExpiriesWithin(long nowNs)
    {
        // The first tick count whose expiry lies after nowNs, then the first periodic fire at or after it.
        var firstAfter = ElapsedTicks(nowNs - _segStartNs) + 1;
        var fires = firstAfter <= _segStartCount ? _segFires : (ulong)((firstAfter - _segStartCount + _timerInitial - 1) / _timerInitial);
        if (fires > _segFires)
        {
            TimerExpirations += (long)(fires - _segFires);
            _segFires = fires;
            _nextTimerNs = ExpiryNs(_segStartCount + (_segFires * _timerInitial));
        }
    }

    private void FireTimer()
    {
        TimerExpirations++;
        DeliverLvt(LvtTimer);
    }

    private void ResetTimer()
    {
        _timerInitial = 0;
        _timerDivide = 0;
        _segStartNs = 0;
        _segStartCount = 0;
        _segFires = 0;
        _timerArmed = false;
        _nextTimerNs = long.MaxValue;
        _tscDeadline = 0;
    }

    /// <summary>Current count at <paramref name="nowNs"/> (SDM §11.5.4): counts down from the initial count; 0 when
    /// stopped, expired one-shot, or in TSC-deadline mode; a periodic timer reloads from the initial count.</summary>
    private uint CurrentCount(long nowNs)
    {
        if (!_timerArmed || IsTscDeadlineMode)
        {
            return 0;
        }

        if (nowNs <= _segStartNs)
        {
            return (uint)_segStartCount;
        }

        var ticks = ElapsedTicks(nowNs - _segStartNs);
        if (ticks < _segStartCount)
        {
            return (uint)(_segStartCount - ticks);
        }

        if (!IsPeriodicMode)
        {
            return 0;
        }

        return (uint)(_timerInitial - (ulong)((ticks - _segStartCount) % _timerInitial));
    }

    private UInt128 ElapsedTicks(long elapsedNs) =>
        (UInt128)(ulong)elapsedNs * (ulong)_options.TimerHz / ((ulong)TimerDivisor * NsPerSecond);

    /// <summary>First simulated ns at which the segment has counted <paramref name="ticks"/> ticks.</summary>
    private long ExpiryNs(ulong ticks)
    {
        var scaled = (UInt128)ticks * (ulong)TimerDivisor * NsPerSecond;
        var hz = (ulong)_options.TimerHz;
        var ns = (scaled + hz - 1) / hz;
        return ClampToEndOfTime((UInt128)(ulong)_segStartNs + ns);
    }

    /// <summary>
    /// An expiry time as <see cref="NextTimerEventNs"/> holds it. Simulated time ends at 2^63 - 1 ns: an expiry after
    /// it never comes (<see cref="long.MaxValue"/>, the "nothing armed" value: the timer keeps counting, no event is
    /// queued); one exactly at the end is kept one ns earlier, the value itself meaning "never".
    /// </summary>
    private static long ClampToEndOfTime(UInt128 at) =>
        at > long.MaxValue ? long.MaxValue : at == long.MaxValue ? long.MaxValue - 1 : (long)at;

    /// <summary>
    /// Initial-count write: (re)starts the count-down; 0 stops the timer; ignored in TSC-deadline mode. With the
    /// reserved LVT timer mode 11b (SDM Figure 11-8; only an xAPIC MMIO write can set it, WRMSR raises #GP) the count
    /// is stored and any running count-down stops, but none starts: KVM's APIC_TMICT write cancels the timer and
    /// <c>start_sw_timer</c> arms only one-shot, periodic or TSC-deadline.
    /// </summary>
    private void WriteTimerInitial(uint value)
    {
        if (IsTscDeadlineMode)
        {
            return;
        }

        _timerInitial = value;
        if (value == 0 || TimerMode == (int)TimerModeReserved)
        {
            _timerArmed = false;
            _nextTimerNs = long.MaxValue;
        }
        else
        {
            StartSegment(_host.NowNs, value);
        }

        _host.TimerChanged(this);
    }

    /// <summary>Divide write: a running count keeps its current value and continues at the new rate (KVM
    /// <c>update_target_expiration</c>).</summary>
    private void WriteTimerDivide(uint value)
    {
        if (_timerArmed && !IsTscDeadlineMode)
        {
            var now = _host.NowNs;
            CatchUp(now);
            var count = CurrentCount(now);
            _timerDivide = value;
            if (count != 0)
            {
                StartSegment(now, count);
            }
        }
        else
        {
            _timerDivide = value;
        }

        _host.TimerChanged(this);
    }

    /// <summary>LVT timer write. "A write to the LVT Timer Register that changes the timer mode disarms the local APIC
    /// timer" (SDM Vol. 3A §11.5.4.1), between one-shot and periodic too: the count-down stops (current count reads 0)
    /// until the next initial-count write, and a pending deadline is dropped. Leaving or entering TSC-deadline mode
    /// also clears the initial count and IA32_TSC_DEADLINE (KVM <c>apic_update_lvtt</c>). A write that keeps the mode
    /// (the vector or the mask bit) leaves the timer running; an expiry already due when the mode changes fires first.</summary>
    private void WriteLvtTimer(uint old, uint value)
    {
        var oldMode = (old >> LvtTimerModeShift) & 3;
        var newMode = (value >> LvtTimerModeShift) & 3;
        if (oldMode == newMode)
        {
            _lvt[LvtTimer] = value;
            return;
        }

        var now = _host.NowNs;
        if (_nextTimerNs <= now)
        {
            OnTimer(now); // an expiry (count-down or deadline) already due fires in the old mode
        }

        _lvt[LvtTimer] = value;
        if ((oldMode == TimerModeTscDeadline) != (newMode == TimerModeTscDeadline))
        {
            _timerInitial = 0;
            _tscDeadline = 0;
        }

        _timerArmed = false;
        _nextTimerNs = long.MaxValue;
        _host.TimerChanged(this);
    }

    /// <summary>IA32_TSC_DEADLINE write (SDM §11.5.4.1): arms at TSC ≥ value, 0 disarms, a past deadline fires at
    /// once; ignored unless the LVT timer is in TSC-deadline mode.</summary>
    private void WriteTscDeadline(ulong value)
    {
        if (_mode == LocalApicMode.Disabled || !IsTscDeadlineMode)
        {
            return;
        }

        _tscDeadline = value;
        ArmTscDeadline();
        _host.TimerChanged(this);
    }

    /// <summary>
    /// Arms the timer for the first simulated ns at which this CPU's TSC (<see cref="TscAt"/>, IA32_TSC_ADJUST
    /// included) reaches <c>_tscDeadline</c>; a deadline the TSC has already reached fires at once and clears the MSR;
    /// 0 disarms (SDM §11.5.4.1).
    /// </summary>
    private void ArmTscDeadline()
    {
        if (_tscDeadline == 0)
        {
            _nextTimerNs = long.MaxValue;
            return;
        }

        var now = _host.NowNs;
        var tsc = TscAt(now);
        if (_tscDeadline <= tsc)
        {
            _tscDeadline = 0;
            _nextTimerNs = long.MaxValue;
            FireTimer();
            return;
        }

        // The unadjusted count must advance by (deadline - TSC now) from its value now.
        var target = (UInt128)TscCountAt(now) + (_tscDeadline - tsc);
        var hz = (ulong)_options.TscHz;
        var at = ((target * NsPerSecond) + hz - 1) / hz;
        _nextTimerNs = ClampToEndOfTime(at);
    }

    private void StartSegment(long nowNs, uint count)
    {
        _segStartNs = nowNs;
        _segStartCount = count;
        _segFires = 0;
        _timerArmed = true;
        _nextTimerNs = ExpiryNs(count);
    }

    /// <summary>Fires an expiry that is due but that the host has not delivered yet, before reprogramming.</summary>
    private void CatchUp(long nowNs)
    {
        if (_timerArmed && _nextTimerNs <= nowNs)
        {
            OnTimer(nowNs);
        }
    }
}
