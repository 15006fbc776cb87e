using IrqLab.Hardware.Apic;
using Xunit;

namespace IrqLab.Tests.Hardware.Apic;

/// <summary>
/// IA32_TIME_STAMP_COUNTER (MSR 0x10) and IA32_TSC_ADJUST (MSR 0x3B), SDM Vol. 3B §18.17 and Vol. 4 Table 2-2: the TSC
/// reads floor(t_ns · tsc_hz / 1e9) (SCENARIOS.md §4) plus the adjust MSR, and the TSC-deadline timer compares
/// against the same per-CPU count (SDM §11.5.4.1).
/// </summary>
public sealed class LocalApicTscTests
{
    private const uint Tsc = 0x10;
    private const uint TscAdjust = 0x3B;
    private const uint TscDeadlineMsr = 0x6E0;
    private const uint TscDeadlineMode = 0x4_0000;
    private const int Vector = 0xEC;

    [Theory]
    [InlineData(1_000_000_000L, 0L, 0UL, false)]
    [InlineData(2_500_000_000L, 1_001L, 2_502UL, false)]                       // floor(2502.5)
    [InlineData(3_000_000_000L, 1L, 3UL, true)]
    [InlineData(999_999_999L, 1_000L, 999UL, true)]                           // floor(999.999999)
    [InlineData(4_999_999_999L, 3_000_000_000_000_000L, 14_999_999_997_000_000UL, false)] // above 2^53: exact, not via double
    [InlineData(1_000_000_000_000L, long.MaxValue, 18_446_744_073_709_550_616UL, false)] // wraps modulo 2^64
    public void Rdmsr_IA32_TIME_STAMP_COUNTER_reads_floor_t_times_hz_in_every_APIC_mode_SDM_18_17(long tscHz, long nowNs, ulong expected, bool x2Apic)
    {
        var (host, apic) = FakeApicHost.One(x2Apic: x2Apic, tscHz: tscHz);
        host.NowNs = nowNs;
        var want = (ulong)((UInt128)(ulong)nowNs * (ulong)tscHz / 1_000_000_000UL);
        Assert.Equal(want, expected);
        Assert.Equal(ApicAccessResult.Ok, apic.ReadMsr(Tsc, out var value));
        Assert.Equal(expected, value);
        Assert.Equal(ApicAccessResult.Ok, apic.ReadMsr(TscAdjust, out var adjust));
        Assert.Equal(0UL, adjust);
    }

    [Fact]
    public void Wrmsr_IA32_TIME_STAMP_COUNTER_sets_the_count_and_adds_the_difference_to_IA32_TSC_ADJUST_SDM_18_17_3()
    {
        var (host, apic) = FakeApicHost.One(tscHz: 2_000_000_000);
        host.NowNs = 1_000;                                  // TSC 2000
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(Tsc, 10_000));
        apic.ReadMsr(Tsc, out var written);
        Assert.Equal(10_000UL, written);
        apic.ReadMsr(TscAdjust, out var adjust);
        Assert.Equal(8_000UL, adjust);
        host.NowNs = 1_500;                                  // counts on from the written value
        apic.ReadMsr(Tsc, out var later);
        Assert.Equal(11_000UL, later);

        // Setting it back below the unadjusted count makes IA32_TSC_ADJUST negative (two's complement).
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(Tsc, 0));
        apic.ReadMsr(TscAdjust, out var negative);
        Assert.Equal(unchecked((ulong)-3_000L), negative);
        host.NowNs = 2_000;
        Assert.Equal(1_000UL, apic.TscAt(host.NowNs));
    }

    [Fact]
    public void Wrmsr_IA32_TSC_ADJUST_moves_the_count_by_the_difference_SDM_18_17_3()
    {
        var (host, apic) = FakeApicHost.One();
        host.NowNs = 5_000;
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(TscAdjust, 100));
        apic.ReadMsr(Tsc, out var value);
        Assert.Equal(5_100UL, value);
        apic.WriteMsr(TscAdjust, 40);
        apic.ReadMsr(Tsc, out value);
        Assert.Equal(5_040UL, value);
        apic.ReadMsr(TscAdjust, out var adjust);
        Assert.Equal(40UL, adjust);
    }

    [Theory]
    [InlineData(1_000_000_000L, 50_000UL, 10_000UL, -1L)]       // the written count is past the deadline: fires at once
    [InlineData(1_000_000_000L, 1_000_000UL, 1_000_500UL, 900L)] // 500 more ticks after t=400
    [InlineData(2_500_000_000L, 0UL, 2_000UL, 1_200L)]           // adjust -1000: unadjusted count must reach 3000
    [InlineData(3_000_000_000L, 10UL, 1_000UL, 730L)]            // adjust -1190: unadjusted count must reach 2190
    public void Tsc_deadline_compares_against_the_written_TSC_SDM_11_5_4_1(long tscHz, ulong written, ulong deadline, long expiryNs)
    {
        var (host, apic) = FakeApicHost.One(tscHz: tscHz);
        apic.WriteRegister(ApicRegister.LvtTimer, TscDeadlineMode | Vector);
        host.NowNs = 400;
        Assert.Equal(ApicAccessResult.Ok, apic.WriteMsr(Tsc, written));
        apic.WriteMsr(TscDeadlineMsr, deadline);
        if (expiryNs < 0)
        {
            Assert.Equal(1, apic.TimerExpirations);
            Assert.Equal(long.MaxValue, apic.NextTimerEventNs);
            return;
        }

        Assert.Equal(expiryNs, apic.NextTimerEventNs);
        Assert.True(apic.TscAt(expiryNs) >= deadline);
        Assert.True(apic.TscAt(expiryNs - 1) < deadline);
        host.RunTimer(apic, expiryNs - 1);
        Assert.Equal(0, apic.TimerExpirations);
        host.RunTimer(apic, expiryNs);
        Assert.Equal(1, apic.TimerExpirations);
        Assert.True(apic.Irr.IsSet(Vector));
    }

    [Fact]
    public void Writing_the_TSC_past_an_armed_deadline_fires_it_at_once_and_back_delays_it_SDM_11_5_4_1()
    {
        var (host, apic) = FakeApicHost.One();
        apic.WriteRegister(ApicRegister.LvtTimer, TscDeadlineMode | Vector);
        host.NowNs = 1_000;
        apic.WriteMsr(TscDeadlineMsr, 5_000);
        Assert.Equal(5_000, apic.NextTimerEventNs);

        apic.WriteMsr(Tsc, 0);                               // count 0 at t=1000: the deadline is now 5000 ns away
        Assert.Equal(6_000, apic.NextTimerEventNs);
        Assert.Equal(0, apic.TimerExpirations);

        apic.WriteMsr(Tsc, 5_000);                           // jumps onto the deadline: fires, MSR cleared
        Assert.Equal(1, apic.TimerExpirations);
        Assert.True(apic.Irr.IsSet(Vector));
        apic.ReadMsr(TscDeadlineMsr, out var after);
        Assert.Equal(0UL, after);
        Assert.Equal(long.MaxValue, apic.NextTimerEventNs);
    }
}
