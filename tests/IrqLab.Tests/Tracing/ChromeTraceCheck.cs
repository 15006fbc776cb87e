using System.Text.Json;
using Xunit;

namespace IrqLab.Tests.Tracing;

/// <summary>Reads a Chrome trace-event JSON document back and checks the rules Perfetto's JSON importer relies on
/// (shared/reference/trace-formats.md §1.2-1.3): B/E nest per (pid, tid), ts non-decreasing, M events name tracks.</summary>
internal sealed class ChromeTraceCheck
{
    public ChromeTraceCheck(byte[] json)
    {
        Document = JsonDocument.Parse(json);
        Events = [.. Document.RootElement.GetProperty("traceEvents").EnumerateArray()];
        var open = new Dictionary<(int, int), int>();
        var last = double.MinValue;
        foreach (var e in Events)
        {
            var ph = e.GetProperty("ph").GetString()!;
            if (ph == "M")
            {
                var what = e.GetProperty("name").GetString();
                var name = e.GetProperty("args").GetProperty("name").GetString()!;
                if (what == "process_name")
                {
                    ProcessName = name;
                }
                else
                {
                    Assert.Equal("thread_name", what);
                    ThreadNames[e.GetProperty("tid").GetInt32()] = name;
                }

                continue;
            }

            var ts = e.GetProperty("ts").GetDouble();
            Assert.True(ts >= last, $"ts went backwards: {ts} after {last}");
            last = ts;
            if (ph is "B" or "E")
            {
                var key = (e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32());
                Assert.True(ThreadNames.ContainsKey(key.Item2), $"tid {key.Item2} used before its thread_name");
                var depth = open.GetValueOrDefault(key) + (ph == "B" ? 1 : -1);
                Assert.True(depth >= 0, $"E without B on tid {key.Item2}");
                open[key] = depth;
                MaxDepth = Math.Max(MaxDepth, depth);
                if (ph == "B")
                {
                    Slices++;
                }
            }
        }

        foreach (var kv in open)
        {
            Assert.True(kv.Value == 0, $"{kv.Value} slice(s) left open on tid {kv.Key.Item2}");
        }
    }

    public JsonDocument Document { get; }

    public List<JsonElement> Events { get; }

    public string? ProcessName { get; private set; }

    public Dictionary<int, string> ThreadNames { get; } = [];

    public int Slices { get; private set; }

    public int MaxDepth { get; private set; }

    public List<JsonElement> WithPhase(string ph) => Events.Where(e => e.GetProperty("ph").GetString() == ph).ToList();

    /// <summary>The B/E slices of track <paramref name="tid"/> in the order they begin: name, begin and end (µs), nesting depth.</summary>
    public List<(string Name, double Begin, double End, int Depth)> SlicesOn(int tid)
    {
        var slices = new List<(string Name, double Begin, double End, int Depth)>();
        var open = new Stack<int>();
        foreach (var e in Events)
        {
            var ph = e.GetProperty("ph").GetString();
            if (ph is not ("B" or "E") || e.GetProperty("tid").GetInt32() != tid)
            {
                continue;
            }

            var ts = e.GetProperty("ts").GetDouble();
            if (ph == "B")
            {
                open.Push(slices.Count);
                slices.Add((e.GetProperty("name").GetString()!, ts, double.NaN, open.Count - 1));
            }
            else
            {
                var i = open.Pop();
                slices[i] = slices[i] with { End = ts };
            }
        }

        return slices;
    }
}
