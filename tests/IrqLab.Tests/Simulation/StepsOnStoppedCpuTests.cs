using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A step is an instruction of the program running on its CPU (docs/simulation.md, "Steps"). A CPU that runs no
/// program executes none: shut down after a triple fault ("the processor stops executing instructions", SDM Vol. 3A
/// §6.15), waiting for a start-up IPI after an INIT (SDM Vol. 3A §9.4 / 11.6.1), or halted for good by Linux's
/// <c>stop_this_cpu()</c> (arch/x86/kernel/process.c, reached from REBOOT_VECTOR). Its STI/CLI, ICR writes and register
/// writes do not happen; IrqLab says so with a warning naming the step (its index in <c>steps</c>).
/// </summary>
public sealed class StepsOnStoppedCpuTests
{
    private static readonly Dictionary<string, (string Kernel, string Stop, string Why)> s_stops = new()
    {
        ["shutdown"] = ("{mode: bare}", "  - {exception: {cpu: 1, vector: 13, error_code: 0}}", "shut down"),
        ["wait-for-sipi"] = ("{mode: bare}", "  - {ipi: {from: 0, to: 1, mode: init}}", "waiting for a start-up IPI"),
        ["stop_this_cpu"] = ("{version: \"6.10\"}", "  - {ipi: {from: 0, to: 1, vector: REBOOT_VECTOR}}\n  - {advance: 1us}", "halted for good by stop_this_cpu()"),
    };

    [Theory]
    [InlineData("shutdown")]
    [InlineData("wait-for-sipi")]
    [InlineData("stop_this_cpu")]
    public void An_IPI_step_from_a_CPU_that_runs_no_program_is_not_sent(string stop)
    {
        var (kernel, stopSteps, why) = s_stops[stop];
        stopSteps += "\n  - {ipi: {from: 1, to: 0, vector: 0x41}}\n  - {advance: 1us}";
        var r = Run(kernel, stopSteps);

        Assert.DoesNotContain(r.Dispatch, d => d.Cpu == 0 && d.Vector == 0x41);
        var warning = Assert.Single(r.Messages, m => m.Text.StartsWith("irqlab: the ipi step steps[", StringComparison.Ordinal));
        Assert.Equal(("warning", 1), (warning.Level, warning.Cpu));
        var index = stopSteps.Split('\n').Length - 2; // the ipi step, before the final advance
        Assert.Contains($"step steps[{index}] runs on CPU 1, which executes no program ({why}); skipped", warning.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("shutdown", "{write: {cpu: 1, reg: apic.tpr, value: 0x20}}", "write")]
    [InlineData("wait-for-sipi", "{write: {cpu: 1, reg: apic.tpr, value: 0x20}}", "write")]
    [InlineData("shutdown", "{sti: {cpu: 1}}", "sti")]
    [InlineData("wait-for-sipi", "{cli: {cpu: 1}}", "cli")]
    public void Register_and_flag_steps_on_a_CPU_that_runs_no_program_are_skipped_with_a_warning(string stop, string step, string word)
    {
        var (kernel, stopSteps, _) = s_stops[stop];
        var r = Run(kernel, stopSteps + "\n  - " + step + "\n  - {expect: {cpu: 1, reg: apic.tpr, equals: 0}}");

        Assert.All(r.Expects, e => Assert.True(e.Ok, e.Detail));
        Assert.Single(r.Messages, m => m.Text.StartsWith($"irqlab: the {word} step steps[", StringComparison.Ordinal));
    }

    /// <summary>
    /// An <c>exception</c> step is raised by the running instruction (SCENARIOS.md §7): a CPU that runs no program runs
    /// none that could fault (the instruction of a CPU halted by <c>stop_this_cpu()</c> is its HLT, which raises nothing),
    /// so the step is ignored there, as on a CPU that is shut down or waits for a SIPI. No handler runs and no new fault
    /// is recorded; an NMI is still taken.
    /// </summary>
    [Theory]
    [InlineData("shutdown", 1)]
    [InlineData("wait-for-sipi", 0)]
    [InlineData("stop_this_cpu", 0)]
    public void An_exception_step_on_a_CPU_that_runs_no_program_is_ignored(string stop, int faults)
    {
        var (kernel, stopSteps, _) = s_stops[stop];
        var r = Run(kernel, stopSteps + "\n  - {exception: {cpu: 1, vector: 14, error_code: 2, cr2: 0x1000}}\n  - {exception: {cpu: 1, vector: 6}}\n  - {advance: 1us}");

        Assert.DoesNotContain(r.Dispatch, d => d.Cpu == 1 && d.Event == "hw_exc");
        Assert.Equal(faults, r.Faults.Count);
    }

    [Fact]
    public void Steps_on_a_CPU_that_runs_its_program_give_no_warning()
    {
        var r = Run("{mode: bare}", "  - {write: {cpu: 1, reg: apic.tpr, value: 0x20}}\n  - {sti: {cpu: 1}}\n  - {ipi: {from: 1, to: 0, vector: 0x41}}\n  - {advance: 1us}\n  - {expect: {cpu: 1, reg: apic.tpr, equals: 0x20}}");

        Assert.All(r.Expects, e => Assert.True(e.Ok, e.Detail));
        Assert.Contains(r.Dispatch, d => d.Cpu == 0 && d.Vector == 0x41);
        Assert.DoesNotContain(r.Messages, m => m.Text.Contains("executes no program", StringComparison.Ordinal));
    }

    private static string Scenario(string kernel, string steps) => $"""
        irqlab: 1
        name: steps-on-stopped-cpu
        kernel: {kernel}
        machine: {"{cpus: 2}"}
        {(kernel.Contains("bare", StringComparison.Ordinal) ? "handlers: [{vector: 0x41, do: []}]" : "")}
        steps:
        {steps}
        """;


    private static IrqLab.Simulation.Output.RunResult Run(string kernel, string steps) => Sim.Run(Scenario(kernel, steps));
}
