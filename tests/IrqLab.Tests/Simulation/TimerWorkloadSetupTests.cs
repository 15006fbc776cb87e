using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A <c>{timer: {hz}}</c> workload programs each local APIC timer as Linux's periodic tick does:
/// <c>lapic_timer_set_periodic()</c> calls <c>__setup_APIC_LVTT(lapic_timer_period, 0, 1)</c>
/// (arch/x86/kernel/apic/apic.c), which writes LVTT = APIC_LVT_TIMER_PERIODIC | LOCAL_TIMER_VECTOR, "Divide PICLK by
/// 16" (TDCR = APIC_TDR_DIV_16, 0x3) and TMICT = clocks / APIC_DIVISOR (16), where <c>lapic_timer_period</c> is the
/// timer clock's cycles per jiffy (<c>crystal_khz * 1000 / HZ</c>, arch/x86/kernel/tsc.c). So a tick lasts
/// (clock / HZ / 16) * 16 timer-clock cycles (SDM Vol. 3A 11.5.4: the count decrements at the clock divided by TDCR).
/// </summary>
public sealed class TimerWorkloadSetupTests
{
    [Theory]
    // apic_timer_hz, hz, expected TMICT = apic_timer_hz / hz / 16, LOC ticks in 1 s
    [InlineData(1_000_000_000, 1000, 62_500, 1000)]
    [InlineData(1_000_000, 300, 208, 300)]          // 3333 / 16 = 208: a tick of 3328 us, 300 of them in 999 ms
    [InlineData(25_000_000, 250, 6_250, 250)]
    [InlineData(1_600, 100, 1, 100)]                // the smallest count: 16 cycles per tick
    public void Linux_periodic_tick_divides_by_16_and_loads_clocks_per_jiffy_over_16(long clock, int hz, ulong tmict, ulong ticks)
    {
        foreach (var mode in new[] { "linux", "bare" })
        {
            var r = Sim.Run($$$"""
                irqlab: 1
                name: tick-setup
                kernel: {mode: {{{mode}}}}
                machine: {cpus: 1, apic_timer_hz: {{{clock}}}}
                handlers: {{{(mode == "bare" ? "[{vector: 0xec, do: [eoi]}]" : "[]")}}}
                workload:
                  - {timer: {hz: {{{hz}}}}}
                steps:
                  - {read: {cpu: 0, reg: apic.timer.divide, as: tdcr}}
                  - {read: {cpu: 0, reg: apic.timer.initial, as: tmict}}
                  - {read: {cpu: 0, reg: apic.lvt.timer, as: lvtt}}
                run: {until: 1s}
                """);
            Assert.Equal(0x3UL, Sim.Read(r, "tdcr").Scalar);          // APIC_TDR_DIV_16
            Assert.Equal(tmict, Sim.Read(r, "tmict").Scalar);
            Assert.Equal(0x200ECUL, Sim.Read(r, "lvtt").Scalar);      // periodic | 0xec
            if (mode == "linux")
            {
                Assert.Equal(ticks, Sim.Count(r, "LOC", 0));
            }
            else
            {
                Assert.Equal((long)ticks, r.Stats.Handlers);
            }
        }
    }

    [Fact]
    public void A_step_switching_a_CPU_s_tick_to_one_shot_disarms_it_SDM_11_5_4_1()
    {
        // "A write to the LVT Timer Register that changes the timer mode disarms the local APIC timer": CPU 1's tick,
        // switched from periodic to one-shot half-way through a period, never fires again (no initial-count write
        // follows); CPU 0 keeps ticking. A divide change before it keeps the count running (31250 left at 500 us).
        var r = Sim.Run("""
            irqlab: 1
            name: tick-mode-switch
            machine: {cpus: 2}
            workload:
              - {timer: {hz: 1000}}
            steps:
              - {advance: 500us}
              - {write: {cpu: 1, reg: apic.timer.divide, value: 0xB}}
              - {read: {cpu: 1, reg: apic.timer.current, as: before}}
              - {write: {cpu: 1, reg: apic.lvt.timer, value: 0xec}}
              - {read: {cpu: 1, reg: apic.timer.current, as: after}}
            run: {until: 3ms}
            """);
        Assert.Equal(31_250UL, Sim.Read(r, "before").Scalar);
        Assert.Equal(0UL, Sim.Read(r, "after").Scalar);
        Assert.Equal(3UL, Sim.Count(r, "LOC", 0));
        Assert.Equal(0UL, Sim.Count(r, "LOC", 1));
    }
}
