using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// Simulated time is a 64-bit count of nanoseconds (SCENARIOS.md §1: a duration is at most 2^63 - 1 ns) and ends at
/// 2^63 - 1: an advance, a handler's <c>advance</c> or the "until idle" horizon that would pass it stops there
/// (docs/simulation.md, "Safety bounds"): no time wraps negative (<c>time_ns</c>, <c>t_ns</c>), a second advance there
/// is a no-op and a handler busy "for ever" stays busy.
/// </summary>
public sealed class EndOfTimeTests
{
    private const long End = long.MaxValue;

    /// <summary>Scenario, expected <c>time_ns</c>, expected handlers as <c>t_ns:name</c> in dispatch order.</summary>
    public static TheoryData<string, long, string[]> Cases() => new()
    {
        {
            // Two advances whose sum passes the end: the second stops at the end, the IPI after it is taken there.
            """
            irqlab: 1
            name: two-advances
            kernel: {mode: bare}
            handlers:
              - {vector: 0x50, do: [eoi]}
            steps:
              - {advance: 9223372036854775000}
              - {ipi: {from: 0, to: 0, vector: 0x50}}
              - {advance: 9223372036854775000}
              - {ipi: {from: 0, to: 0, vector: 0x50}}
            """,
            End,
            ["9223372036854775000:vector_0x50", "9223372036854775807:vector_0x50"]
        },
        {
            // A handler that spends the rest of time (IF=0 in an interrupt gate): 0x50 waits in the IRR, and the run
            // "until idle" stops at its 100 ms horizon (the handler does not return: its end is past the end of time).
            """
            irqlab: 1
            name: busy-for-ever
            kernel: {mode: bare}
            handlers:
              - {vector: 0x40, do: [{advance: 9223372036854775807}, eoi]}
              - {vector: 0x50, do: [eoi]}
            steps:
              - {advance: 100}
              - {ipi: {from: 0, to: 0, vector: 0x40}}
              - {advance: 100}
              - {ipi: {from: 0, to: 0, vector: 0x50}}
              - {advance: 100}
            """,
            100_000_300,
            ["100:vector_0x40"]
        },
        {
            // Never idle after the last step, less than 100 ms before the end: the horizon is the end, where the
            // handler's return re-sends 0x41 and the run stops (time_ns stays the end, not a wrapped negative time).
            """
            irqlab: 1
            name: horizon
            kernel: {mode: bare}
            handlers:
              - {vector: 0x41, do: [{advance: 9223372036854775}, eoi, {ipi: {to: self, vector: 0x41}}]}
            steps:
              - {advance: 9223372036854775000}
              - {ipi: {from: 0, to: 0, vector: 0x41}}
            """,
            End,
            ["9223372036854775000:vector_0x41", "9223372036854775807:vector_0x41"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Time_stops_at_2_pow_63_minus_1_ns_and_never_goes_negative(string yaml, long timeNs, string[] handlers)
    {
        var r = Sim.Run(yaml);

        Assert.Equal(timeNs, r.TimeNs);
        Assert.All(r.Dispatch, d => Assert.InRange(d.TimeNs, 0, r.TimeNs));
        Assert.All(r.Messages, m => Assert.InRange(m.TimeNs, 0, r.TimeNs));
        Assert.Equal(handlers, r.Dispatch.Select(d => $"{d.TimeNs}:{d.Handler}").ToArray());
    }

    /// <summary>
    /// A local APIC timer expiry after the end of simulated time never comes (SDM Vol. 3A §11.5.4: the count-down simply
    /// has not reached 0 yet): a 1 Hz timer clock divided by 1 with initial count 2^32 - 1 expires every 4,294,967,295 s,
    /// twice before the end; divided by 128 its first expiry lies after the end. A TSC deadline (§11.5.4.1) of a 1 Hz TSC
    /// fires once when it lies before the end, never when after. (The model once fired such expiries at the end, and a
    /// periodic one there again and again, until the handler bound stopped the run.)
    /// </summary>
    [Theory]
    [InlineData("{write: {cpu: 0, reg: apic.timer.divide, value: 0xB}}", "{write: {cpu: 0, reg: apic.lvt.timer, value: 0x20040}}", "{write: {cpu: 0, reg: apic.timer.initial, value: 0xFFFFFFFF}}", new[] { 4294967295000000000L, 8589934590000000000L })]
    [InlineData("{write: {cpu: 0, reg: apic.timer.divide, value: 0xA}}", "{write: {cpu: 0, reg: apic.lvt.timer, value: 0x20040}}", "{write: {cpu: 0, reg: apic.timer.initial, value: 0xFFFFFFFF}}", new long[0])]
    [InlineData("{advance: 0}", "{write: {cpu: 0, reg: apic.lvt.timer, value: 0x40040}}", "{write: {cpu: 0, msr: 0x6E0, value: 9223372036}}", new[] { 9223372036000000000L })]
    [InlineData("{advance: 0}", "{write: {cpu: 0, reg: apic.lvt.timer, value: 0x40040}}", "{write: {cpu: 0, msr: 0x6E0, value: 0x4000000000000000}}", new long[0])]
    public void A_timer_expiry_after_the_end_of_time_never_fires(string divide, string lvt, string start, long[] expiries)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: timer-past-the-end
            kernel: {mode: bare}
            machine: {cpus: 1, apic_timer_hz: 1, tsc_hz: 1}
            handlers:
              - {vector: 0x40, do: [eoi]}
            steps:
              - {{{divide}}}
              - {{{lvt}}}
              - {{{start}}}
            run: {until: 9223372036854775807}
            """);

        Assert.Equal(End, r.TimeNs);
        Assert.Equal(expiries, r.Dispatch.Select(d => d.TimeNs).ToArray());
        Assert.Empty(r.Messages);
    }
}
