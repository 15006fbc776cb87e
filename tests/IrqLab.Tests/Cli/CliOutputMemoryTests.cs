using IrqLab.Cli;
using IrqLab.Cli.Commands;
using IrqLab.Scenarios;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// SCENARIOS.md §10 "stdout, one JSON object" for machines up to 4096 CPUs (§4): the object is streamed to stdout, not
/// built in memory (a 4096-CPU run with 4096 MSI-X rows is 219 MB of JSON and took 2.4 GB before), and the human
/// output's /proc/interrupts text is written a line at a time, not rendered into one string by every run.
/// </summary>
public sealed class CliOutputMemoryTests
{
    [Fact]
    public void Run_json_streams_the_document_instead_of_building_it_SCENARIOS_md_10()
    {
        // 512 rows x 4096 CPUs: about 14 MB of JSON.
        var counts = new ulong[4096];
        Array.Fill(counts, 123456789UL);
        var rows = Enumerable.Range(0, 512).Select(i => new InterruptRow((24 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), counts, "PCI-MSIX", "0-edge", "q", null)).ToList();
        var result = new RunResult
        {
            Scenario = "big",
            Kernel = new KernelInfo("linux", "latest", "mainline", "idt", 0xec, 20),
            Cpus = counts.Length,
            InterruptRows = rows,
        };
        var cli = new CliContext(TextWriter.Null, TextWriter.Null);
        RunCommand.WriteJson(cli, result); // warm-up

        var before = GC.GetAllocatedBytesForCurrentThread();
        RunCommand.WriteJson(cli, result);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 2_000_000, $"writing the JSON allocated {allocated:N0} bytes: the document is built in memory");
    }

    [Fact]
    public void Proc_interrupts_text_is_written_on_demand_and_matches_the_kernel_text_SCENARIOS_md_10()
    {
        var scenario = ScenarioLoader.Load(RepoPaths.Scenario("default.yaml"));
        var result = Simulator.Run(scenario, new SimulationOptions { LogLimit = 0 });

        Assert.NotNull(result.WriteProcInterrupts);
        var streamed = new StringWriter();
        result.WriteProcInterrupts(streamed);
        // default.yaml runs latest: the newest kernel/irq/proc.c pads to num_prec 4 (irq_proc_calc_prec()).
        Assert.StartsWith("            CPU0       CPU1", streamed.ToString(), StringComparison.Ordinal);
        Assert.Equal(streamed.ToString(), result.ProcInterruptsText);
        Assert.Contains("Local timer interrupts\n", streamed.ToString(), StringComparison.Ordinal);
    }
}
