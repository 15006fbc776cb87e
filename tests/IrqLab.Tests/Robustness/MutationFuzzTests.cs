using System.Text.RegularExpressions;
using CsCheck;
using IrqLab.Scenarios;
using IrqLab.Scenarios.Model;
using Xunit;
using Xunit.Sdk;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// Issue 8: mutated scenario texts (the shipped scenarios, the loader's valid test files and generated ones, with lines
/// deleted, duplicated, swapped or truncated, numbers turned into extremes and units into wrong ones) make the loader
/// throw only <see cref="ScenarioException"/> and <c>irqlab run --json</c> exit 0 or 2 with the §10 objects.
/// </summary>
public sealed partial class MutationFuzzTests : IDisposable
{
    public const int Iterations = 3000;

    /// <summary>Mutated files that load run through the CLI only below this simulated horizon and event estimate,
    /// so the suite stays bounded in time (a mutated 1 s workload at 10^12/s is legal but slow, see docs/reliability.md).</summary>
    private const long HorizonBudgetNs = 5_000_000;

    private const double EventBudget = 50_000;

    private static readonly string[] s_extremes =
        ["-1", "0", "256", "4097", "18446744073709551616", "0xFFFFFFFFFFFFFFFF", "9223372036854775808", "1e400", "99999999999s", "1.5", "0x", "\"\"", "null", "~", "[]", "{}", "NaN", "-0", "4096", "0x100"];

    private static readonly string[] s_units = ["xs", "", "ps", "/h", "us/s", "ms ms", " s", "m"];

    private static readonly string[] s_sources = LoadSources();

    private readonly string _dir = Directory.CreateTempSubdirectory("irqlab-mut-").FullName;

    public readonly record struct Mutation(int Kind, int Line, int Choice);

    public sealed record Mutant(int Source, string Text, Mutation[] Mutations)
    {
        public override string ToString() =>
            $"source #{Source}, mutations [{string.Join(", ", Mutations)}]\n--- scenario (save as repro.yaml) ---\n{Text}\n--- end ---";
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Gen<Mutant> Mutants()
    {
        var generated = ScenarioGrammar.Scenarios(12).Select(g => (-1, g.Yaml));
        var shipped = Gen.Int[0, s_sources.Length - 1].Select(i => (i, s_sources[i]));
        var source = Gen.Frequency((3, shipped), (1, generated));
        var mutation = Gen.Select(Gen.Int[0, 7], Gen.Int[0, 200], Gen.Int[0, 1000], (k, l, c) => new Mutation(k, l, c));
        return Gen.Select(source, mutation.Array[1, 4], (s, m) => new Mutant(s.Item1, Mutate(s.Item2, m), m));
    }

    [Fact]
    public void Mutated_scenarios_load_or_fail_with_a_scenario_error_and_the_cli_exits_0_or_2()
    {
        var path = Path.Combine(_dir, "mutant.yaml");
        int errors = 0, ran = 0, loaderOnly = 0;
        long mutations = 0;
        Fuzz.Run(Mutants(), seed: 51, Iterations, m =>
        {
            mutations += m.Mutations.Length;
            Scenario? scenario = null;
            try
            {
                scenario = ScenarioLoader.Parse(m.Text, path);
            }
            catch (ScenarioException e)
            {
                Assert.Matches(ErrorLine(), e.Message);
            }
            catch (Exception e)
            {
                throw new XunitException($"the loader threw {e.GetType().Name} (not ScenarioException): {e.Message}\n{m}");
            }

            if (scenario is not null && !WithinBudget(scenario))
            {
                loaderOnly++;
                return;
            }

            File.WriteAllText(path, m.Text);
            var r = Fuzz.Cli(m.ToString(), "run", path, "--json", "--log-limit", "100");
            var exit = Fuzz.CheckRunOutcome(m.ToString(), r);
            Assert.True((exit == 0) == (scenario is not null), $"the loader and the CLI disagree (exit {exit})\n{m}");
            if (exit == 0)
            {
                ran++;
            }
            else
            {
                errors++;
            }
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"mutation fuzz: {Iterations} files, {mutations} mutations, {ran} ran, {errors} exit 2, {loaderOnly} loader-only (over the time budget)");
        Assert.True(errors > Iterations / 4 && ran > Iterations / 20, $"mutations too weak or too strong: {ran} ran, {errors} errors, {loaderOnly} loader-only");
    }

    /// <summary>A cheap over-estimate of the work of a run: simulated horizon times the workload rates.</summary>
    internal static bool WithinBudget(Scenario s)
    {
        long advance = 0;
        void Sum(IEnumerable<Step> steps)
        {
            foreach (var step in steps)
            {
                if (step is AdvanceStep a)
                {
                    advance = advance > long.MaxValue - a.DurationNs ? long.MaxValue : advance + a.DurationNs;
                }

                if (step is WriteStep w && IsTimerInitialCount(w.Target) && w.Value is > 0 and < 1000)
                {
                    advance = long.MaxValue; // an APIC timer period below 1 us: legal, but too many events for the budget
                }
            }
        }

        Sum(s.Steps);
        foreach (var h in s.Handlers.Concat(s.Vms.SelectMany(v => v.Handlers)))
        {
            if (RetriggersWithinAMicrosecond(h.Do))
            {
                // A handler that raises a device or sends an IPI can re-trigger itself once per run of its do-list: with
                // less than 1 us of advance per run it loops millions of times before the run's end or its idle horizon
                // (100 ms), and without any it storms in zero time up to the handler bound (2,000,000 handlers,
                // docs/simulation.md "Safety bounds"). Legal and bounded, but seconds of work, over the budget.
                return false;
            }

            Sum(h.Do);
        }

        var horizon = Math.Max(advance, s.RunUntilNs ?? (s.Workload.Count > 0 ? IrqLab.Simulation.Simulator.DefaultWorkloadRunNs : 0));
        if (horizon > HorizonBudgetNs)
        {
            return false;
        }

        double perSecond = 0;
        foreach (var w in s.Workload)
        {
            perSecond += w switch
            {
                DeviceWorkload d => d.BurstEveryNs > 0 ? d.BurstCount * 1e9 / d.BurstEveryNs : d.RatePerSecond,
                TimerWorkload t => (double)t.Hz * s.Machine.Cpus,
                IpiWorkload i => i.RatePerSecond,
                _ => 0,
            };
        }

        return perSecond * horizon / 1e9 <= EventBudget;
    }

    private static bool RetriggersWithinAMicrosecond(IReadOnlyList<Step> actions)
    {
        long spent = 0;
        var retriggers = false;
        foreach (var a in actions)
        {
            spent += a is AdvanceStep adv ? Math.Min(adv.DurationNs, 1000) : 0;
            retriggers |= a is DeviceStep or IpiStep;
        }

        return retriggers && spent < 1000;
    }

    private static bool IsTimerInitialCount(RegisterRef r) =>
        r.Name == "apic.timer.initial" || (r.Kind == RegisterKind.Msr && r.Address == 0x838) || (r.Kind == RegisterKind.Mmio && (r.Address & 0xFFF) == 0x380);

    private static string Mutate(string text, Mutation[] mutations)
    {
        var lines = text.Split('\n').ToList();
        foreach (var m in mutations)
        {
            if (lines.Count == 0)
            {
                break;
            }

            var i = m.Line % lines.Count;
            switch (m.Kind)
            {
                case 0:
                    lines.RemoveAt(i);
                    break;
                case 1:
                    lines.Insert(i, lines[i]);
                    break;
                case 2:
                    if (i + 1 < lines.Count)
                    {
                        (lines[i], lines[i + 1]) = (lines[i + 1], lines[i]);
                    }

                    break;
                case 3:
                case 4:
                    lines[i] = ReplaceNth(Number(), lines[i], m.Choice, s_extremes[m.Choice % s_extremes.Length]);
                    break;
                case 5:
                    lines[i] = ReplaceNth(Unit(), lines[i], m.Choice, "${n}" + s_units[m.Choice % s_units.Length]);
                    break;
                case 6:
                    var col = m.Choice % (lines[i].Length + 1);
                    const string Junk = "{[:,\"'&*!#-\t%@`|>";
                    lines[i] = lines[i].Insert(col, Junk[m.Choice % Junk.Length].ToString());
                    break;
                default:
                    // Truncate the file inside this line (a partial write).
                    lines[i] = lines[i][..(m.Choice % (lines[i].Length + 1))];
                    lines.RemoveRange(i + 1, lines.Count - i - 1);
                    break;
            }
        }

        return string.Join('\n', lines);
    }

    private static string ReplaceNth(Regex regex, string line, int choice, string replacement)
    {
        var matches = regex.Matches(line);
        if (matches.Count == 0)
        {
            return line;
        }

        var match = matches[choice % matches.Count];
        return line[..match.Index] + match.Result(replacement) + line[(match.Index + match.Length)..];
    }

    private static string[] LoadSources()
    {
        var files = Directory.GetFiles(Path.Combine(RepoPaths.Root, "scenarios"), "*.yaml")
            .Concat(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Data", "Scenarios", "valid"), "*.yaml"))
            .Order(StringComparer.Ordinal);
        return [.. files.Select(File.ReadAllText)];
    }

    [GeneratedRegex(@"(?<![A-Za-z_])(0x[0-9A-Fa-f]+|\d+(\.\d+)?)")]
    private static partial Regex Number();

    [GeneratedRegex(@"(?<n>\d+(\.\d+)?)(ns|us|ms|s|/s|/ms)\b")]
    private static partial Regex Unit();

    [GeneratedRegex(@"^.+:\d+:\d+: error: .+$")]
    private static partial Regex ErrorLine();
}
