using IrqLab.Scenarios;
using IrqLab.Simulation;
using Xunit;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// docs/simulation.md "Safety bounds": a run keeps at most 100,000 kernel messages, so a storm that prints on every
/// interrupt does not hold memory without bound (found by the scenario fuzzer: 2,000,000 lines, 276 MB of JSON and
/// 380 MB of memory with --log-limit 10).
/// </summary>
public sealed class MessageBoundTests
{
    [Fact]
    public void A_spurious_interrupt_storm_keeps_a_bounded_message_log_and_says_how_many_it_left_out()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "Robustness", "spurious-message-storm.yaml");
        var r = Simulator.Run(ScenarioLoader.Load(path), new SimulationOptions { LogLimit = 10 });

        // The kernel's lines up to the bound, then IrqLab's own stop warning, which is always kept.
        Assert.Equal(100_001, r.Messages.Count);
        Assert.Equal("Spurious interrupt (vector 0xee) on CPU#0. Acked", r.Messages[0].Text);
        Assert.StartsWith("irqlab: CPU0 entered 2000000 handlers", r.Messages[^1].Text, StringComparison.Ordinal);
        Assert.True(r.MessagesNotKept > 1_000_000, $"{r.MessagesNotKept} not kept");
    }

    [Fact]
    public void Expect_message_finds_a_line_printed_beyond_the_bound()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "Robustness", "spurious-ipi-messages.yaml");
        var r = Simulator.Run(ScenarioLoader.Load(path), new SimulationOptions { LogLimit = 10 });

        Assert.Equal(100_000, r.Messages.Count);
        Assert.DoesNotContain(r.Messages, m => m.Text.Contains("0xed", StringComparison.Ordinal));
        Assert.True(r.MessagesNotKept > 0);
        Assert.True(r.Expects.Single().Ok, r.Expects.Single().Detail);
    }
}
