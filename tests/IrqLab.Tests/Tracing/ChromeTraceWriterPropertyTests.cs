using CsCheck;
using IrqLab.Tracing;
using Xunit;

namespace IrqLab.Tests.Tracing;

/// <summary>
/// Invariant: whatever well-formed event sequence the simulator emits (time non-decreasing, each exit after an entry on
/// the same track), ChromeTraceWriter produces valid JSON whose B/E slices balance per (pid, tid) and whose ts never
/// decreases (Perfetto's JSON importer requires nesting per thread; shared/reference/trace-formats.md §1.3).
/// </summary>
public sealed class ChromeTraceWriterPropertyTests
{
    private const int Cpus = 3;

    /// <summary>One step: a time advance and an op code; the fold below turns codes into a well-formed sequence.</summary>
    private static readonly Gen<(int Dt, int Op, int Cpu, int Guest, int Vector)> s_step =
        Gen.Select(Gen.Int[0, 5_000], Gen.Int[0, 8], Gen.Int[-1, Cpus - 1], Gen.Int[0, 3], Gen.Int[32, 255]);

    private static List<TraceEvent> Build((int Dt, int Op, int Cpu, int Guest, int Vector)[] steps)
    {
        var events = new List<TraceEvent>();
        var open = new Dictionary<(int, string?, int), int>();
        long t = 0;
        foreach (var (dt, op, cpu, guest, vector) in steps)
        {
            t += dt;
            var hostCpu = cpu < 0 ? 0 : cpu;
            string? vm = guest == 3 ? "vm" + (hostCpu % 2).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            var vcpu = vm is null ? -1 : hostCpu;
            var key = (hostCpu, vm, vcpu);
            var depth = open.GetValueOrDefault(key);
            switch (op)
            {
                case 0 or 1 or 2:
                    events.Add(new TraceEvent(t, hostCpu, TraceEventKind.HandlerEntry, vector, vector >= 236 ? "sysvec_apic_timer_interrupt" : "eth\"0\\", vector < 236 ? vector : -1, depth, vm, vcpu, Event: "ext_int"));
                    open[key] = depth + 1;
                    break;
                case 3 or 4 when depth > 0:
                    events.Add(new TraceEvent(t, hostCpu, TraceEventKind.HandlerExit, Vm: vm, Vcpu: vcpu, Value: 1));
                    open[key] = depth - 1;
                    break;
                case 5:
                    events.Add(new TraceEvent(t, -1, TraceEventKind.Raise, vector, "dev", 5));
                    break;
                case 6:
                    events.Add(new TraceEvent(t, hostCpu, TraceEventKind.Pending, Value: vector % 4));
                    break;
                case 7:
                    events.Add(new TraceEvent(t, hostCpu, guest == 3 ? TraceEventKind.VmExit : TraceEventKind.Eoi, vector, "EXTERNAL_INTERRUPT", Vm: vm, Vcpu: vcpu));
                    break;
                default:
                    events.Add(new TraceEvent(t, cpu, TraceEventKind.Message, Name: "msg <\u00e9>"));
                    break;
            }
        }

        return events;
    }

    [Fact]
    public void Random_well_formed_sequences_give_valid_json_with_balanced_slices()
    {
        s_step.Array[0, 300].Sample(
            steps =>
            {
                var events = Build(steps);
                using var stream = new MemoryStream();
                using (var writer = new ChromeTraceWriter(stream, Cpus, "prop"))
                {
                    foreach (var e in events)
                    {
                        writer.Write(e);
                    }

                    writer.Complete(events.Count == 0 ? 0 : events[^1].TimeNs + 1);
                }

                var check = new ChromeTraceCheck(stream.ToArray());
                Assert.Equal(events.Count(e => e.Kind == TraceEventKind.HandlerEntry), check.Slices);
                Assert.Equal("IrqLab prop", check.ProcessName);
            },
            seed: "0N0XIzNsQ0O2",
            iter: 300);
    }
}
