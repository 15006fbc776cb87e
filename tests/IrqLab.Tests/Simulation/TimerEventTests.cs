using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The engine queues one event per local APIC timer expiry: <c>LocalApic.OnTimer</c> re-arms a periodic timer
/// (SDM §11.5.4: the current count reloads from the initial count) and reports it through <c>TimerChanged</c>, which
/// queues the next expiry; nothing else queues one (stats.events counts the events the engine took off its queue).
/// </summary>
public sealed class TimerEventTests
{
    [Theory]
    [InlineData(1, 1000, 10)]
    [InlineData(2, 1000, 10)]
    [InlineData(4, 250, 20)]
    public void Each_tick_of_the_periodic_timer_is_one_engine_event_and_one_handler(int cpus, int hz, int ms)
    {
        var r = Sim.Run($"""
            irqlab: 1
            name: timer-events
            kernel: {"{"}version: latest, delivery: fred{"}"}
            machine: {"{"}cpus: {cpus}{"}"}
            workload:
              - {"{"}timer: {"{"}hz: {hz}{"}}"}
            run: {"{"}until: {ms}ms{"}"}
            """);
        var ticks = (long)cpus * hz * ms / 1000;
        Assert.Equal(ticks, r.Stats.Handlers);
        Assert.Equal(ticks, r.Stats.Events);
        Assert.Equal((ulong)(hz * ms / 1000), Sim.Count(r, "LOC", cpus - 1));
    }
}
