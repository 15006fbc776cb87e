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
                var p = Map(patternNode, m.PathOf("pattern"), ["burst"]);
                var burst = Map(p.Get("burst") ?? throw _errors.At(ErrorCodes.MissingKey, p.Mark, $"{p.Path} needs burst: {{n, every}}"), p.PathOf("burst"), s_burstKeys);
                pattern = ArrivalPattern.Burst;
                burstCount = Int(burst.Require("n"), burst.PathOf("n"), 1, int.MaxValue);
                burstEvery = Duration(burst.Require("every"), burst.PathOf("every"), min: 1);
            }
            else
            {
                var s = Scalar(patternNode, m.PathOf("pattern"), "an arrival pattern");
                if (s.Text == "burst")
                {
                    throw _errors.At(ErrorCodes.Type, patternNode, $"{m.PathOf("pattern")}: a burst gives its size and period, like pattern: {{burst: {{n: 64, every: 1ms}}}}");
                }

                pattern = Word(patternNode, m.PathOf("pattern"), "arrival pattern", ("poisson", ArrivalPattern.Poisson), ("periodic", ArrivalPattern.Periodic));
            }
        }

        double rate;
        if (pattern == ArrivalPattern.Burst)
        {
            if (m.KeyNode("rate") is { } rateKey)
            {
                throw _errors.At(ErrorCodes.Conflict, rateKey, $"{path}: a burst pattern sets its own rate (n every period); remove rate");
            }

            rate = burstCount * 1e9 / burstEvery;
        }
        else
        {
            rate = Rate(m.Require("rate"), m.PathOf("rate"));
        }

        return new DeviceWorkload(device.Name, rate, pattern, burstCount, burstEvery);
    }

    private TimerWorkload ReadTimerWorkload(SyntaxNode node, string path)
    {
        var outer = Map(node, path, ["timer"]);
        var m = Map(outer.Get("timer")!, outer.PathOf("timer"), s_timerKeys);
        return new TimerWorkload(Int(m.Require("hz"), m.PathOf("hz"), 1, MaxTimerHz));
    }

    private IpiWorkload ReadIpiWorkload(SyntaxNode node, string path)
    {
        var outer = Map(node, path, ["ipis"]);
        var m = Map(outer.Get("ipis")!, outer.PathOf("ipis"), s_ipisKeys);
        return new IpiWorkload(Rate(m.Require("rate"), m.PathOf("rate")), Vector(m.Require("vector"), m.PathOf("vector")));
    }
}
