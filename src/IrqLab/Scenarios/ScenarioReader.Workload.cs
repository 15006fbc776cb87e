using IrqLab.Scenarios.Model;
using IrqLab.Scenarios.Syntax;

namespace IrqLab.Scenarios;

/// <summary>The <c>workload:</c> section (SCENARIOS.md §8).</summary>
internal sealed partial class ScenarioReader
{
    private static readonly string[] s_workloadKeys = ["device", "rate", "pattern", "timer", "ipis"];
    private static readonly string[] s_deviceWorkloadKeys = ["device", "rate", "pattern"];
    private static readonly string[] s_burstKeys = ["n", "every"];
    private static readonly string[] s_timerKeys = ["hz"];
    private static readonly string[] s_ipisKeys = ["rate", "vector"];

    /// <summary>Largest periodic timer frequency accepted (one tick per ns).</summary>
    public const int MaxTimerHz = 1_000_000_000;

    private List<WorkloadSpec> ReadWorkload(SyntaxNode node)
    {
        var items = List(node, "workload");
        var result = new List<WorkloadSpec>(items.Count);
        var timerAt = -1;
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"workload[{i}]";
            var all = Map(items[i], path, s_workloadKeys);
            var kinds = all.Present("device", "timer", "ipis");
            if (kinds.Count == 0)
            {
                throw _errors.At(ErrorCodes.MissingKey, all.Mark, $"{path} needs one of device, timer, ipis");
            }

            if (kinds.Count > 1)
            {
                throw _errors.At(ErrorCodes.Conflict, kinds[1], $"{path} has both {kinds[0].Text} and {kinds[1].Text}; one load per entry");
            }

            if (kinds[0].Text == "timer")
            {
                // Each CPU has one local APIC timer: a second periodic tick would reprogram it, and only the last
                // entry's HZ would tick (the first was silently lost).
                if (timerAt >= 0)
                {
                    throw _errors.At(ErrorCodes.Conflict, kinds[0], $"{path}: the local APIC timer of every CPU is already programmed by workload[{timerAt}] (one timer per CPU, one timer entry)");
                }

                timerAt = i;
            }

            WorkloadSpec spec = kinds[0].Text switch
            {
                "device" => ReadDeviceWorkload(items[i], path),
                "timer" => ReadTimerWorkload(items[i], path),
                _ => ReadIpiWorkload(items[i], path),
            };
            result.Add(spec with { Mark = all.Mark });
        }

        return result;
    }

    private DeviceWorkload ReadDeviceWorkload(SyntaxNode node, string path)
    {
        var m = Map(node, path, s_deviceWorkloadKeys);
        var device = Device(m.Get("device")!, m.PathOf("device"));
        var pattern = ArrivalPattern.Poisson;
        var burstCount = 0;
        var burstEvery = 0L;
        if (m.Get("pattern") is { } patternNode)
        {
            if (patternNode is MappingNode)
            {
                // pattern: {burst: {n: 64, every: 1ms}}
                var p = Map(patternNode, m.PathOf("pattern"), ["burst"]);
                var burst = Map(p.Get("burst") ?? throw _errors.At(ErrorCodes.MissingKey, p.Mark, $"{p.Path} needs burst: {{n, every}}"), p.PathOf("burst"), s_burstKeys);
                pattern = ArrivalPattern.Burst;
                burstCount = Int(burst.Require("n"), burst.PathOf("n"), 1, int.MaxValue);
                burstEvery = Duration(burst.Require("every"), burst.PathOf("every"), min: 1);
            }
            else if (Scalar(patternNode, m.PathOf("pattern"), "an arrival pattern") is { } s && s.Text.TrimStart().StartsWith("burst", StringComparison.Ordinal))
            {
                // pattern: burst:{n:64, every:1ms}, the string form SCENARIOS.md §8 writes.
                (burstCount, burstEvery) = BurstString(s, m.PathOf("pattern"));
                pattern = ArrivalPattern.Burst;
            }
            else
            {
                pattern = Word(patternNode, m.PathOf("pattern"), "arrival pattern", ("poisson", ArrivalPattern.Poisson), ("periodic", ArrivalPattern.Periodic), ("burst:{n, every}", ArrivalPattern.Burst));
            }
        }

        if (pattern != ArrivalPattern.Burst)
        {
            return new DeviceWorkload(device.Name, Rate(m.Require("rate"), m.PathOf("rate")), pattern, 0, 0);
        }

        // A burst's mean rate is n per period. A rate, when given, spaces the raises of a burst 1/rate apart; without
        // one they all come at the same instant.
        var spacing = 0L;
        if (m.Get("rate") is { } rateNode)
        {
            var within = Rate(rateNode, m.PathOf("rate"));
            spacing = Math.Max(1, (long)Math.Round(1e9 / within));
            if ((burstCount - 1) * (double)spacing >= burstEvery)
            {
                throw _errors.At(ErrorCodes.Conflict, rateNode, $"{path}: {burstCount} raises 1/rate = {spacing} ns apart do not fit in a burst period of {burstEvery} ns; raise the rate or the period");
            }
        }

        return new DeviceWorkload(device.Name, burstCount * 1e9 / burstEvery, pattern, burstCount, burstEvery, spacing);
    }

    /// <summary>
    /// The string form of a burst, <c>burst:{n:64, every:1ms}</c> (spaces allowed around the punctuation): a
    /// size and a period, read with the same rules as the mapping form. Errors point at the pattern's value.
    /// </summary>
    private (int Count, long EveryNs) BurstString(ScalarNode s, string path)
    {
        const string Form = "burst:{n: 64, every: 1ms}";
        var text = s.Text.Trim();
        var colon = text.IndexOf(':');
        var body = colon < 0 ? string.Empty : text[(colon + 1)..].Trim();
        if (colon < 0 || text[..colon].TrimEnd() != "burst" || body.Length < 2 || body[0] != '{' || body[^1] != '}')
        {
            throw _errors.At(ErrorCodes.Type, s, $"{Name(path)}: a burst gives its size and period, like {Form}, got {s.Describe()}");
        }

        SyntaxNode? n = null;
        SyntaxNode? every = null;
        foreach (var field in body[1..^1].Split(','))
        {
            var sep = field.IndexOf(':');
            var key = sep < 0 ? field.Trim() : field[..sep].Trim();
            var value = new ScalarNode(s.Mark, sep < 0 ? string.Empty : field[(sep + 1)..].Trim(), quoted: false);
            switch (key)
            {
                case "n" when n is null && sep >= 0:
                    n = value;
                    break;
                case "every" when every is null && sep >= 0:
                    every = value;
                    break;
                default:
                    throw _errors.At(ErrorCodes.Type, s, $"{Name(path)}: expected the fields n and every once each, like {Form}, got {s.Describe()}");
            }
        }

        if (n is null || every is null)
        {
            throw _errors.At(ErrorCodes.MissingKey, s, $"{Name(path)}: a burst needs n and every, like {Form}, got {s.Describe()}");
        }

        return (Int(n, path + ".burst.n", 1, int.MaxValue), Duration(every, path + ".burst.every", min: 1));
    }

    private TimerWorkload ReadTimerWorkload(SyntaxNode node, string path)
    {
        var outer = Map(node, path, ["timer"]);
        var m = Map(outer.Get("timer")!, outer.PathOf("timer"), s_timerKeys);
        var hzNode = m.Require("hz");
        var hz = Int(hzNode, m.PathOf("hz"), 1, MaxTimerHz);
        if (TimerWorkload.InitialCount(_machine.ApicTimerHz, hz) == 0)
        {
            // The periodic tick's initial count is (timer clock / HZ) / 16 (__setup_APIC_LVTT(), divide by 16);
            // below 16 timer-clock cycles per tick it would be 0, and an initial count of 0 stops the timer
            // (SDM Vol. 3A 11.5.4).
            throw _errors.At(ErrorCodes.Conflict, hzNode, $"{m.PathOf("hz")} {hz} is above machine.apic_timer_hz / 16 ({_machine.ApicTimerHz / TimerWorkload.LinuxApicDivisor}): Linux divides the timer clock by 16, so the initial count (apic_timer_hz / hz / 16) would be 0, which stops the timer");
        }

        return new TimerWorkload(hz);
    }

    private IpiWorkload ReadIpiWorkload(SyntaxNode node, string path)
    {
        var outer = Map(node, path, ["ipis"]);
        var m = Map(outer.Get("ipis")!, outer.PathOf("ipis"), s_ipisKeys);
        return new IpiWorkload(Rate(m.Require("rate"), m.PathOf("rate")), Vector(m.Require("vector"), m.PathOf("vector")));
    }
}
