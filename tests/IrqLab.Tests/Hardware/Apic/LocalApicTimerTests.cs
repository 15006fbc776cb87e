using IrqLab.Hardware.Apic;
using Xunit;

namespace IrqLab.Tests.Hardware.Apic;

/// <summary>APIC timer: one-shot, periodic, TSC-deadline, divide configuration, current count (SDM §11.5.4).</summary>
public sealed class LocalApicTimerTests
{
    private const uint OneShot = 0x00;
    private const uint Periodic = 0x2_0000;
    private const uint TscDeadline = 0x4_0000;
    private const uint Masked = 0x1_0000;
    private const int Vector = 0xEC;

    [Theory]
    [InlineData(0x0u, 2)]
    [InlineData(0x1u, 4)]
    [InlineData(0x2u, 8)]
    [InlineData(0x3u, 16)]
    [InlineData(0x8u, 32)]
    [InlineData(0x9u, 64)]
    [InlineData(0xAu, 128)]
    [InlineData(0xBu, 1)]
    public void Divide_configuration_all_8_encodings_SDM_11_5_4(uint divide, int divisor)
    {
        var (host, apic) = FakeApicHost.One();
        Assert.Equal(ApicAccessResult.Ok, apic.WriteRegister(ApicRegister.TimerDivide, divide));
        Assert.Equal(divisor, apic.TimerDivisor);
        apic.WriteRegister(ApicRegister.LvtTimer, OneShot | Vector);
        host.NowNs = 1000;
        apic.WriteRegister(ApicRegister.TimerInitial, 100);
        Assert.Equal(1000 + (100L * divisor), apic.NextTimerEventNs);
        host.NowNs = 1000 + (40L * divisor);
        Assert.Equal(60UL, apic.PeekRegister(ApicRegister.TimerCurrent));
    }

    [Theory]
    [InlineData(1_000_000_000L, 0xBu, 1000u, 0L, 1000u)]
    [InlineData(1_000_000_000L, 0xBu, 1000u, 999L, 1u)]
    [InlineData(1_000_000_000L, 0xBu, 1000u, 1000L, 0u)]
    [InlineData(1_000_000_000L, 0x0u, 1000u, 1L, 1000u)]      // half a tick has not elapsed a count
    [InlineData(1_000_000_000L, 0x0u, 1000u, 2L, 999u)]
    [InlineData(100_000_000L, 0xBu, 1000u, 25L, 998u)]        // 10 ns per tick: floor(25/10) = 2
    [InlineData(100_000_000L, 0x3u, 1000u, 1599L, 991u)]      // 160 ns per tick
    [InlineData(3_000_000_000L, 0xBu, 3000u, 500L, 1500u)]    // 1/3 ns per tick
    [InlineData(33_333_333L, 0xBu, 10u, 31L, 9u)]             // 30.000000 3 ns per tick
    public void Current_count_follows_simulated_time_SDM_11_5_4(long timerHz, uint divide, uint initial, long elapsedNs, uint expected)
    {
        var (host, apic) = FakeApicHost.One(timerHz: timerHz);
        apic.WriteRegister(ApicRegister.TimerDivide, divide);
        apic.WriteRegister(ApicRegister.LvtTimer, OneShot | Vector);
        host.NowNs = 5_000;
        apic.WriteRegister(ApicRegister.TimerInitial, initial);
        host.NowNs += elapsedNs;
        Assert.Equal(expected, (uint)apic.PeekRegister(ApicRegister.TimerCurrent));
    }

    [Theory]
    [InlineData(1_000_000_000L, 0xBu, 1000u, 1000L)]
    [InlineData(100_000_000L, 0x0u, 7u, 140L)]
    [InlineData(3_000_000_000L, 0xBu, 1000u, 334L)] // ceil(1000 / 3)
    public void One_shot_fires_once_and_stops_at_zero_SDM_11_5_4(long timerHz, uint divide, uint initial, long expiryNs)
    {
        var (host, apic) = FakeApicHost.One(timerHz: timerHz);
        apic.WriteRegister(ApicRegister.TimerDivide, divide);
        apic.WriteRegister(ApicRegister.LvtTimer, OneShot | Vector);
        apic.WriteRegister(ApicRegister.TimerInitial, initial);
        Assert.Equal(expiryNs, apic.NextTimerEventNs);
        host.NowNs = expiryNs - 1;
        Assert.NotEqual(0UL, apic.PeekRegister(ApicRegister.TimerCurrent));
        host.RunTimer(apic, expiryNs * 10);
        Assert.Equal(1, apic.TimerExpirations);
        Assert.True(apic.Irr.IsSet(Vector));
        Assert.Equal(long.MaxValue, apic.NextTimerEventNs);
        Assert.Equal(0UL, apic.PeekRegister(ApicRegister.TimerCurrent));
        Assert.Equal((ulong)initial, apic.PeekRegister(ApicRegister.TimerInitial));
    }

    [Theory]
    [InlineData(1_000_000_000L, 0xBu, 250u, 1)]
    [InlineData(1_000_000_000L, 0xBu, 250u, 17)]
    [InlineData(1_000_000_000L, 0x1u, 33u, 100)]
    [InlineData(3_000_000_000L, 0xBu, 1000u, 30)] // period 333.33 ns: expiries at ceil(k * 1000 / 3)
    [InlineData(14_318_180L, 0x3u, 894u, 10)]    // docs/simulation.md: 999,009.65 ns periods, 999010, 1998020, 2997029, ...
    public void Periodic_timer_fires_once_per_period_and_reloads_SDM_11_5_4(long timerHz, uint divide, uint initial, int periods)
    {
        var (host, apic) = FakeApicHost.One(timerHz: timerHz);
        apic.WriteRegister(ApicRegister.TimerDivide, divide);
        apic.WriteRegister(ApicRegister.LvtTimer, Periodic | Vector);
        apic.WriteRegister(ApicRegister.TimerInitial, initial);
        var divisor = apic.TimerDivisor;
        long PeriodEnd(long k) => (long)Math.Ceiling((double)(k * initial * divisor) * 1e9 / timerHz);
        for (var k = 1; k <= periods; k++)
        {
            Assert.Equal(PeriodEnd(k), apic.NextTimerEventNs);
            host.NowNs = apic.NextTimerEventNs;
            apic.OnTimer(host.NowNs);
            Assert.Equal(Vector, apic.Acknowledge());
            apic.Eoi();
        }

        Assert.Equal(periods, apic.TimerExpirations);
        Assert.Equal(initial, (uint)apic.PeekRegister(ApicRegister.TimerCurrent)); // reloaded at the period boundary
        host.NowNs = PeriodEnd(periods) + 1;
        Assert.True(apic.PeekRegister(ApicRegister.TimerCurrent) <= initial);
    }

    [Fact]
    public void Masked_timer_counts_down_without_delivering_SDM_11_5_4()
    {
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.TimerDivide, 0xB);
        apic.WriteRegister(ApicRegister.LvtTimer, Masked | Periodic | Vector);
        apic.WriteRegister(ApicRegister.TimerInitial, 100);
        host.NowNs = 30;
        Assert.Equal(70UL, apic.PeekRegister(ApicRegister.TimerCurrent));
        host.RunTimer(apic, 1050);
        Assert.Equal(10, apic.TimerExpirations);
        Assert.Equal(10, apic.MaskedLocalCount);
        Assert.True(apic.Irr.IsEmpty);
        Assert.Equal(50UL, apic.PeekRegister(ApicRegister.TimerCurrent));
        apic.WriteRegister(ApicRegister.LvtTimer, Periodic | Vector); // unmask: the next period delivers
        host.RunTimer(apic, 1100);
        Assert.True(apic.Irr.IsSet(Vector));
    }

    [Fact]
    public void Initial_count_zero_stops_and_rewrite_restarts_SDM_11_5_4()
    {
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.TimerDivide, 0xB);
        apic.WriteRegister(ApicRegister.LvtTimer, Periodic | Vector);
        apic.WriteRegister(ApicRegister.TimerInitial, 100);
        host.NowNs = 40;
        apic.WriteRegister(ApicRegister.TimerInitial, 500);
        Assert.Equal(540, apic.NextTimerEventNs);
        apic.WriteRegister(ApicRegister.TimerInitial, 0);
        Assert.Equal(long.MaxValue, apic.NextTimerEventNs);
        Assert.Equal(0UL, apic.PeekRegister(ApicRegister.TimerCurrent));
    }

    [Fact]
    public void Divide_change_rescales_the_remaining_count_KVM_update_target_expiration()
    {
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.TimerDivide, 0xB); // /1
        apic.WriteRegister(ApicRegister.LvtTimer, OneShot | Vector);
        apic.WriteRegister(ApicRegister.TimerInitial, 1000);
        host.NowNs = 400;
        apic.WriteRegister(ApicRegister.TimerDivide, 0x0); // /2: 600 ticks left take 1200 ns
        Assert.Equal(600UL, apic.PeekRegister(ApicRegister.TimerCurrent));
        Assert.Equal(1600, apic.NextTimerEventNs);
    }

    [Theory]
    [InlineData(1_000_000_000L, 5_000UL, 5_000L)]
    [InlineData(2_500_000_000L, 5_000UL, 2_000L)]
    [InlineData(3_000_000_000L, 1_000UL, 334L)] // TSC(334) = floor(1002) >= 1000, TSC(333) = 999
    [InlineData(999_999_999L, 1_000UL, 1_001L)]
    public void Tsc_deadline_fires_when_TSC_reaches_deadline_SDM_11_5_4_1(long tscHz, ulong deadline, long expiryNs)
    {
        var (host, apic) = FakeApicHost.One(tscHz: tscHz);
        Assert.Equal(ApicAccessResult.Ok, apic.WriteRegister(ApicRegister.LvtTimer, TscDeadline | Vector));
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(0x6E0, deadline));
        Assert.Equal(expiryNs, apic.NextTimerEventNs);
        Assert.True(apic.TscAt(expiryNs) >= deadline);
        Assert.True(apic.TscAt(expiryNs - 1) < deadline);
        apic.ReadMsr(0x6E0, out var armed);
        Assert.Equal(deadline, armed);
        host.RunTimer(apic, expiryNs * 3);
        Assert.Equal(1, apic.TimerExpirations);
        Assert.True(apic.Irr.IsSet(Vector));
        apic.ReadMsr(0x6E0, out var after);
        Assert.Equal(0UL, after);
    }

    [Fact]
    public void Tsc_deadline_in_the_past_fires_at_once_and_0_disarms_SDM_11_5_4_1()
    {
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.LvtTimer, TscDeadline | Vector);
        host.NowNs = 10_000;
        apic.WriteMsr(0x6E0, 9_000);
        Assert.Equal(1, apic.TimerExpirations);
        Assert.True(apic.Irr.IsSet(Vector));
        apic.WriteMsr(0x6E0, 20_000);
        apic.WriteMsr(0x6E0, 0);
        Assert.Equal(long.MaxValue, apic.NextTimerEventNs);
    }

    [Theory]
    [InlineData(0u)]     // one-shot running when the LVT is switched to the reserved mode
    [InlineData(0x2_0000u)] // periodic
    public void Reserved_timer_mode_11b_arms_nothing_on_an_initial_count_write_SDM_fig_11_8_KVM_start_sw_timer(uint runningMode)
    {
        // xAPIC MMIO can store mode 11b (WRMSR raises #GP, see LocalApicRegisterTests). KVM's APIC_TMICT write cancels
        // the timer, stores the count and start_sw_timer arms only one-shot, periodic or TSC-deadline.
        const uint Reserved = 0x6_0000;
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.TimerDivide, 0xB);
        apic.WriteRegister(ApicRegister.LvtTimer, runningMode | Vector);
        apic.WriteRegister(ApicRegister.TimerInitial, 1000);
        Assert.Equal(ApicAccessResult.Ok, apic.WriteRegister(ApicRegister.LvtTimer, Reserved | Vector));
        Assert.Equal(3, apic.TimerMode);
        Assert.Equal(Reserved | Vector, (uint)apic.PeekRegister(ApicRegister.LvtTimer));
        host.NowNs = 100;
        apic.WriteRegister(ApicRegister.TimerInitial, 500);
        Assert.Equal(500UL, apic.PeekRegister(ApicRegister.TimerInitial));
        Assert.Equal(0UL, apic.PeekRegister(ApicRegister.TimerCurrent));
        Assert.Equal(long.MaxValue, apic.NextTimerEventNs);
        host.RunTimer(apic, 10_000);
        Assert.Equal(0L, apic.TimerExpirations);
        Assert.True(apic.Irr.IsEmpty);

        // Out of the reserved mode, the next initial-count write starts the timer again.
        apic.WriteRegister(ApicRegister.LvtTimer, OneShot | Vector);
        apic.WriteRegister(ApicRegister.TimerInitial, 500);
        Assert.Equal(10_500L, apic.NextTimerEventNs);
    }

    [Fact]
    public void Software_disabled_APIC_timer_keeps_counting_with_the_LVT_forced_masked_SDM_11_4_7_2()
    {
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.TimerDivide, 0xB);
        apic.WriteRegister(ApicRegister.LvtTimer, Periodic | Vector);
        apic.WriteRegister(ApicRegister.TimerInitial, 100);
        apic.WriteRegister(ApicRegister.Svr, 0xFF);
        Assert.Equal(Periodic | Masked | Vector, (uint)apic.PeekRegister(ApicRegister.LvtTimer));

        // An LVT write cannot clear the mask while software-disabled.
        apic.WriteRegister(ApicRegister.LvtTimer, Periodic | Vector);
        Assert.Equal(Periodic | Masked | Vector, (uint)apic.PeekRegister(ApicRegister.LvtTimer));
        host.RunTimer(apic, 350);
        Assert.Equal(3L, apic.TimerExpirations);
        Assert.Equal(50UL, apic.PeekRegister(ApicRegister.TimerCurrent));
        Assert.True(apic.Irr.IsEmpty);

        // Re-enabling leaves the entry masked until software clears the bit.
        apic.WriteRegister(ApicRegister.Svr, 0x1FF);
        host.RunTimer(apic, 450);
        Assert.True(apic.Irr.IsEmpty);
        apic.WriteRegister(ApicRegister.LvtTimer, Periodic | Vector);
        host.RunTimer(apic, 550);
        Assert.True(apic.Irr.IsSet(Vector));
    }

    [Fact]
    public void Tsc_deadline_msr_reads_0_outside_TSC_deadline_mode_and_after_firing_SDM_11_5_4_1()
    {
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.LvtTimer, TscDeadline | Vector);
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(0x6E0, 1_000));
        apic.ReadMsr(0x6E0, out var armed);
        Assert.Equal(1_000UL, armed);
        Assert.Equal(0UL, apic.PeekRegister(ApicRegister.TimerCurrent));
        host.RunTimer(apic, 1_000);
        apic.ReadMsr(0x6E0, out var fired);
        Assert.Equal(0UL, fired);
        Assert.True(apic.Irr.IsSet(Vector));

        apic.WriteMsr(0x6E0, 5_000);
        apic.WriteRegister(ApicRegister.LvtTimer, Periodic | Vector);
        apic.ReadMsr(0x6E0, out var other);
        Assert.Equal(0UL, other);
        apic.WriteRegister(ApicRegister.LvtTimer, TscDeadline | Vector);
        apic.ReadMsr(0x6E0, out var back);
        Assert.Equal(0UL, back); // the switch disarmed it
    }

    [Theory]
    // "A write to the LVT Timer Register that changes the timer mode disarms the local APIC timer" (SDM Vol. 3A
    // §11.5.4.1), one-shot <-> periodic as well: nothing fires until the next initial-count write, which starts the
    // timer in the new mode. A write that keeps the mode (vector, mask) leaves the count running.
    [InlineData(OneShot, Periodic | Vector, true)]
    [InlineData(Periodic, OneShot | Vector, true)]
    [InlineData(OneShot, 0x6_0000u | Vector, true)]              // into the reserved mode 11b (xAPIC stores it)
    [InlineData(OneShot, OneShot | Masked | 0x41u, false)]        // same mode: keeps counting
    [InlineData(Periodic, Periodic | 0x41u, false)]
    public void Lvt_timer_mode_change_disarms_a_running_count_down_SDM_11_5_4_1(uint runningMode, uint newLvt, bool disarms)
    {
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.TimerDivide, 0xB);
        apic.WriteRegister(ApicRegister.LvtTimer, runningMode | Vector);
        apic.WriteRegister(ApicRegister.TimerInitial, 1000);
        host.NowNs = 300;
        apic.WriteRegister(ApicRegister.LvtTimer, newLvt);
        Assert.Equal(1000UL, apic.PeekRegister(ApicRegister.TimerInitial));
        Assert.Equal(disarms ? 0UL : 700UL, apic.PeekRegister(ApicRegister.TimerCurrent));
        Assert.Equal(disarms ? long.MaxValue : 1000L, apic.NextTimerEventNs);
        host.RunTimer(apic, 5000);
        Assert.Equal(disarms ? 0L : runningMode == Periodic ? 5L : 1L, apic.TimerExpirations);

        if (disarms && (newLvt & 0x6_0000u) != 0x6_0000u)
        {
            // The next initial-count write starts the timer in the new mode.
            apic.WriteRegister(ApicRegister.TimerInitial, 1000);
            Assert.Equal(6000L, apic.NextTimerEventNs);
            host.RunTimer(apic, 8000);
            Assert.Equal(newLvt == (Periodic | Vector) ? 3L : 1L, apic.TimerExpirations);
        }
    }

    [Fact]
    public void Lvt_timer_mode_change_at_a_due_expiry_fires_it_first_in_the_old_mode()
    {
        // The expiry due at 1000 ns has not been taken yet when the LVT changes mode at 1000 ns: it fires, then the
        // write disarms the timer (no periodic reload follows).
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.TimerDivide, 0xB);
        apic.WriteRegister(ApicRegister.LvtTimer, OneShot | Vector);
        apic.WriteRegister(ApicRegister.TimerInitial, 1000);
        host.NowNs = 1000;
        apic.WriteRegister(ApicRegister.LvtTimer, Periodic | Vector);
        Assert.Equal(1L, apic.TimerExpirations);
        Assert.True(apic.Irr.IsSet(Vector));
        Assert.Equal(long.MaxValue, apic.NextTimerEventNs);
    }

    [Fact]
    public void Tsc_deadline_mode_ignores_initial_count_and_mode_switch_disarms_KVM_apic_update_lvtt()
    {
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.LvtTimer, OneShot | Vector);
        apic.WriteRegister(ApicRegister.TimerInitial, 1000);
        apic.WriteRegister(ApicRegister.LvtTimer, TscDeadline | Vector);
        Assert.Equal(0UL, apic.PeekRegister(ApicRegister.TimerInitial));
        Assert.Equal(long.MaxValue, apic.NextTimerEventNs);
        apic.WriteRegister(ApicRegister.TimerInitial, 1000);
        Assert.Equal(0UL, apic.PeekRegister(ApicRegister.TimerCurrent));
        Assert.Equal(long.MaxValue, apic.NextTimerEventNs);
        apic.WriteMsr(0x6E0, 500);
        apic.WriteRegister(ApicRegister.LvtTimer, OneShot | Vector);
        Assert.Equal(long.MaxValue, apic.NextTimerEventNs);
        apic.ReadMsr(0x6E0, out var msr);
        Assert.Equal(0UL, msr);
        // Outside TSC-deadline mode a write to the MSR is ignored.
        apic.WriteMsr(0x6E0, 500);
        Assert.Equal(long.MaxValue, apic.NextTimerEventNs);
        Assert.True(host.TimerChanges > 0);
    }

    [Theory]
    [InlineData(1_000_000_000_000L, 1u, 1000L)]   // 1 ps period: 1000 expiries per ns
    [InlineData(3_000_000_000L, 1u, 3L)]          // 1/3 ns period: the expiries at 1/3 and 2/3 ns merge into the one at 1 ns
    [InlineData(2_000_000_000L, 3u, 2L)]          // 1.5 ns period: expiries at 2, 3 (1.5 and 3.0 ns rounded up), then 5
    public void A_periodic_timer_fires_at_most_once_per_ns_merging_the_expiries_within_it(long timerHz, uint initial, long expiriesPerFire)
    {
        // The engine steps time in whole ns (docs/simulation.md): expiries that fall in the nanosecond being fired
        // merge into it, as the vector's one IRR bit would hold them; TimerExpirations still counts each.
        var (host, apic) = FakeApicHost.One(timerHz: timerHz);
        apic.WriteRegister(ApicRegister.TimerDivide, 0xB);
        apic.WriteRegister(ApicRegister.LvtTimer, Periodic | Vector);
        apic.WriteRegister(ApicRegister.TimerInitial, initial);
        var fires = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            host.NowNs = apic.NextTimerEventNs;
            fires.Add(host.NowNs);
            apic.OnTimer(host.NowNs);
            Assert.Equal(Vector, apic.Acknowledge());
            apic.Eoi();
            Assert.True(apic.NextTimerEventNs > host.NowNs);
        }

        Assert.Equal(fires.Distinct().Count(), fires.Count);
        if (initial == 1)
        {
            Assert.Equal([1L, 2, 3, 4, 5], fires);
            Assert.Equal(5 * expiriesPerFire, apic.TimerExpirations);
        }
        else
        {
            Assert.Equal([2L, 3, 5, 6, 8], fires);
            Assert.Equal(5, apic.TimerExpirations); // no two expiries share a nanosecond
        }
    }
}
