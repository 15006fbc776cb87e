using IrqLab.Tests.Tracing;
using Xunit;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// Issue 8 "Replay inputs": <c>irqlab replay</c> on truncated or garbled ftrace captures and /proc/interrupts snapshots
/// exits 2 with one message naming the file and the line, and no stack trace.
/// </summary>
public sealed class ReplayBadInputTests : IDisposable
{
    private const string FtraceShape = "expected '<task>-<pid> [<cpu>] <flags> <seconds>.<micros>: <event>: <fields>'";

    private readonly string _dir = Directory.CreateTempSubdirectory("irqlab-replay-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string[] Capture() => File.ReadAllText(TracingData.PathOf("ftrace-irq-6x.txt")).Split('\n');

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData(40)]   // cut inside the timestamp
    [InlineData(20)]   // cut inside the task-pid
    [InlineData(50)]   // cut inside the event name
    public void Ftrace_capture_truncated_inside_an_event_line_is_an_error_at_that_line(int keep)
    {
        var lines = Capture();
        var text = string.Join('\n', lines[..16]) + "\n" + lines[16][..keep];
        var path = Write("trunc.txt", text);
        var (exit, _, stderr) = Fuzz.Cli(text, "replay", path);
        Assert.Equal(2, exit);
        Assert.Equal($"{path}:17: error: {FtraceShape}{Environment.NewLine}", stderr);
    }

    [Theory]
    [InlineData("          <idle>-0       [0x0] d.h1.  1523.104600: local_timer_entry: vector=236")]
    [InlineData("          <idle>-0       [000] d.h1.  1523.1046OO: local_timer_entry: vector=236")]
    [InlineData("\u0000\u0001\u00ff garbage \u2603")]
    public void Ftrace_capture_with_a_garbled_event_line_is_an_error_at_that_line(string garbled)
    {
        var lines = Capture();
        var text = string.Join('\n', lines[..14]) + "\n" + garbled + "\n" + string.Join('\n', lines[14..]);
        var path = Write("garbled.txt", text);
        var (exit, stdout, stderr) = Fuzz.Cli(text, "replay", path, "--json");
        Assert.Equal(2, exit);
        Assert.StartsWith($"{path}:15: error: expected ", stderr, StringComparison.Ordinal);
        var error = System.Text.Json.Nodes.JsonNode.Parse(stdout)!["error"]!;
        Assert.Equal(("replay_format", 15), (error["code"]!.GetValue<string>(), error["line"]!.GetValue<int>()));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);

        // docs/cli.md: "message is the error's line on stderr" (SCENARIOS.md §10 error object), with the
        // "FILE:LINE: error: " that the stderr line and every other error message carry.
        Assert.Equal(stderr.TrimEnd('\r', '\n'), error["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("           CPU0       CPU1\n LOC    10   20   Local timer interrupts\n", 2, "expected '<irq or name>:' at the start of the row, got 'LOC    10   20   Local timer interrupts'")]
    [InlineData("           CPU0       CPU1\n  1:\n", 2, "row 1: expected at least one count")]
    [InlineData("           CPU0       CPU1\n  1:          0          0 IO-APIC    1-edge      i8042\n  9:   1x3\n", 3, "row 9: expected a count, got '1x3'")]
    [InlineData("           CPU0       CPU1\n  1:  99999999999999999999999 0 IO-APIC 1-edge i8042\n", 2, "row 1: expected a count, got '99999999999999999999999'")]
    [InlineData("           CPU0       CPU1\n LOC:          5 4294967296   Local timer interrupts\n", 2, "row LOC: count 4294967296 exceeds 4294967295, the largest count /proc/interrupts prints (%10u)")]
    [InlineData("           CPU0       CP", 1, "expected the header 'CPU0 CPU1 ...', got 'CP'")]
    [InlineData("           CPU0       CPU1\n LOC:         10         20         30   Local timer interrupts\n", 2, "row LOC: expected 2 counts (one per CPU in the header), got more: '30' after them")]
    [InlineData("           CPU0       CPU1\n  1:          0          8          0   IO-APIC    1-edge      i8042\n", 2, "row 1: expected 2 counts (one per CPU in the header), got more: '0' after them")]
    [InlineData("", 1, "expected the header 'CPU0 CPU1 ...', got end of input")]
    public void Proc_interrupts_snapshot_truncated_or_garbled_is_an_error_with_its_line(string after, int line, string message)
    {
        var before = Write("before.txt", File.ReadAllText(TracingData.PathOf("proc-interrupts-6.14-before.txt")));
        var path = Write("after.txt", after);
        var (exit, _, stderr) = Fuzz.Cli(after, "replay", before, path, "--interval", "10s");
        Assert.Equal(2, exit);
        Assert.Equal($"{path}:{line}: error: {message}{Environment.NewLine}", stderr);
    }

    [Fact]
    public void Proc_interrupts_counter_that_wrapped_exits_0_with_the_modulo_2_32_difference_trace_formats_4_1()
    {
        // Audit round 2, finding 6, its exact input: exit 2 "count went backwards" before; now (5 - 4294967290) mod 2^32 = 11.
        const string Header = "           CPU0       CPU1       \n";
        var before = Write("w1.txt", Header + " LOC: 4294967290         10   Local timer interrupts\n");
        var after = Write("w2.txt", Header + " LOC:          5         20   Local timer interrupts\n");
        var (exit, stdout, stderr) = Fuzz.Cli(after, "replay", before, after, "--interval", "1s", "--json");
        Assert.True(exit == 0, stderr);
        var loc = System.Text.Json.Nodes.JsonNode.Parse(stdout)!["rates"]![0]!;
        Assert.Equal([11UL, 10UL], loc["counts"]!.AsArray().Select(c => (ulong)c!));
    }
}
