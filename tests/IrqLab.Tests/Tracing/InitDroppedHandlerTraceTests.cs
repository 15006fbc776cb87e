using System.Text.Json;
using IrqLab.Tests.Cli;
using IrqLab.Tracing;
using Xunit;

namespace IrqLab.Tests.Tracing;

/// <summary>
/// An INIT resets the processor (SDM Vol. 3A §9.1): the handler it interrupts is gone without a return. The Chrome
/// trace ends its slice at the INIT, not at the end of the run, and ftrace prints no exit for it (the kernel's exit
/// tracepoint never fires) while later exits still match their own entries.
/// </summary>
public sealed class InitDroppedHandlerTraceTests
{
    [Fact]
    public void The_chrome_slice_of_a_handler_dropped_by_INIT_ends_at_the_INIT()
    {
        var dir = Directory.CreateTempSubdirectory("irqlab-init-trace-");
        try
        {
            var scenario = Path.Combine(dir.FullName, "init.yaml");
            File.WriteAllText(scenario, """
                irqlab: 1
                name: init-drops-handler
                kernel: {mode: bare}
                machine: {cpus: 2}
                handlers:
                  - {vector: 0x40, do: [{advance: 50us}, eoi]}
                steps:
                  - {ipi: {from: 0, to: 1, vector: 0x40}}
                  - {advance: 5us}
                  - {ipi: {from: 0, to: 1, mode: init}}
                  - {advance: 100us}
                """);
            var output = Path.Combine(dir.FullName, "trace.json");

            var (exit, _, _) = CliRunner.Run("trace", scenario, "-o", output);

            Assert.Equal(0, exit);
            using var doc = JsonDocument.Parse(File.ReadAllText(output));
            var slices = doc.RootElement.GetProperty("traceEvents").EnumerateArray()
                .Where(e => e.GetProperty("ph").GetString() is "B" or "E")
                .Select(e => (Ph: e.GetProperty("ph").GetString(), Tid: e.GetProperty("tid").GetInt32(), Ts: e.GetProperty("ts").GetDouble()))
                .ToList();
            Assert.Equal([("B", 1, 0.0), ("E", 1, 5.0)], slices);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Ftrace_prints_no_exit_for_a_dropped_handler_and_later_exits_match_their_own_entries()
    {
        var text = new StringWriter();
        var writer = new FtraceWriter(text, 1);
        writer.Write(new TraceEvent(1_000, 0, TraceEventKind.HandlerEntry, 0x22, "eth0", 24, 0, Event: "ext_int"));
        writer.Write(new TraceEvent(2_000, 0, TraceEventKind.HandlerDropped, 0x22, "eth0", 24, 0));
        writer.Write(new TraceEvent(3_000, 0, TraceEventKind.HandlerExit, Value: 1));
        writer.Write(new TraceEvent(4_000, 0, TraceEventKind.HandlerEntry, 0x23, "ata0", 14, 0, Event: "ext_int"));
        writer.Write(new TraceEvent(5_000, 0, TraceEventKind.HandlerExit, Value: 1));
        writer.Complete(5_000);

        var events = text.ToString().Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..]).ToList();
        Assert.Equal(
        [
            "irq_handler_entry: irq=24 name=eth0",
            "irq_handler_entry: irq=14 name=ata0",
            "irq_handler_exit: irq=14 ret=handled",
        ], events);
    }
}
