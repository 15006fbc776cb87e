using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A run "until idle" (SCENARIOS.md §2 <c>run</c>, docs/simulation.md) ends when no CPU is busy. A CPU in shutdown
/// "stops executing instructions" (SDM Vol. 3A §6.15, interrupt 8) and the handler frames it shut down in never run
/// again, so the time such a frame still had to spend keeps nothing going: the run ends where the last live work
/// ended. It used to end when the dead frame's (stale) resume event came up, so splitting a handler's
/// <c>{advance: 2us}</c> into two <c>{advance: 1us}</c> (which must change nothing) changed <c>time_ns</c>.
/// </summary>
public sealed class ShutdownIdleTests
{
    public static TheoryData<string, string> Cases() => new()
    {
        // Bare mode: the NMI has no gate (#NP, #DF, triple fault) while the 0x40 handler spends its time.
        { "bare, one advance", """
            kernel: {mode: bare}
            handlers:
              - {vector: 0x40, do: [{advance: 2us}, eoi]}
            steps:
              - {ipi: {to: self, vector: 0x40}}
              - {nmi: {cpu: 0}}
            """ },
        { "bare, the advance split in two", """
            kernel: {mode: bare}
            handlers:
              - {vector: 0x40, do: [{advance: 1us}, {advance: 1us}, eoi]}
            steps:
              - {ipi: {to: self, vector: 0x40}}
              - {nmi: {cpu: 0}}
            """ },
        // Linux mode without X86_MCE: a machine check shuts the CPU down (CR4.MCE clear, SDM §6.15 interrupt 18)
        // while common_interrupt's frame spends the device handler's cost.
        { "linux, #MC without X86_MCE", """
            kernel: {config: {X86_MCE: false}}
            devices:
              - {name: ata0, line: {ioapic: 0, pin: 14}, handler: {returns: handled, cost: 5us}}
            steps:
              - {pulse: ata0}
              - {exception: {cpu: 0, vector: 18}}
            """ },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_run_until_idle_ends_where_the_CPU_shut_down_not_when_its_dead_frame_would_resume_SDM_6_15(string name, string body)
    {
        var r = Sim.Run($"irqlab: 1\nname: shutdown-idle\nmachine: {{cpus: 1}}\n{body}");

        Assert.True(r.Faults.Any(f => f.Kind == "triple_fault"), $"{name}: no triple fault\n{Sim.Describe(r)}");
        Assert.Equal(0, r.TimeNs);
    }

    /// <summary>An NMI handler taken in shutdown runs above the dead frames and keeps the run going until it returns.</summary>
    [Fact]
    public void An_NMI_handler_running_in_shutdown_is_busy_SDM_6_15()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: shutdown-nmi-busy
            kernel: {mode: bare}
            machine: {cpus: 1}
            handlers:
              - {vector: 2, do: [{advance: 3us}]}
              - {vector: 0x40, do: [{advance: 10us}, eoi]}
            steps:
              - {ipi: {to: self, vector: 0x40}}
              - {exception: {cpu: 0, vector: 13, error_code: 0}}
              - {nmi: {cpu: 0}}
            """);

        Assert.Equal("vector_0x40,vector_0x02", string.Join(",", r.Dispatch.Select(d => d.Handler)));
        Assert.Equal(3000, r.TimeNs);
    }
}
