using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// SCENARIOS.md §10: the same scenario and seed give the same output, whatever the environment. The CLI is built with
/// InvariantGlobalization, but <c>DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=0</c> in the environment turns that off, and
/// then the current culture follows LANG/LC_ALL: <c>run</c>'s summary printed <c>raised 100.001</c> under de_DE,
/// <c>100 001</c> (a narrow no-break space) under fr_FR, <c>1,00,001</c> under hi_IN and <c>100٬001</c> under ar_SA
/// and fa_IR. The tests run in invariant mode, where those cultures cannot be created, so each command runs under a
/// culture cloned from the invariant one with the number conventions of those locales (grouping, separators, sign) and
/// must print what it prints under the invariant culture, byte for byte except the wall time.
/// </summary>
public sealed partial class CliCultureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("irqlab-culture-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string[]> Commands()
    {
        var data = new TheoryData<string[]>();
        foreach (var name in new[] { "ioapic-level-storm", "vector-exhaustion", "rfc-2022-cfi-trap", "vm-halt-wakeup", "guest-apic", "timer-modes" })
        {
            var path = RepoPaths.Scenario(name + ".yaml");
            data.Add(["run", path]);
            data.Add(["run", path, "--json"]);
            data.Add(["check", path, "--json"]);
        }

        data.Add(["check", RepoPaths.Scenario("idt-vs-fred.yaml"), RepoPaths.Scenario("tpr-masking.yaml")]);
        data.Add(["vectors"]);
        data.Add(["vectors", "--json", "--kernel", "6.1", "--config", "SMP=false"]);
        data.Add(["replay", "CAPTURE"]);
        data.Add(["replay", "CAPTURE", "--json"]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Output_does_not_depend_on_the_current_culture(string[] args)
    {
        if (args.Contains("CAPTURE"))
        {
            var capture = Path.Combine(_dir, "capture.txt");
            var (traced, _, traceErr) = InCulture(CultureInfo.InvariantCulture, () => CliRunner.Run("trace", RepoPaths.Scenario("idt-vs-fred.yaml"), "--format", "ftrace", "-o", capture));
            Assert.True(traced == 0, traceErr);
            args = [.. args.Select(a => a == "CAPTURE" ? capture : a)];
        }

        var expected = InCulture(CultureInfo.InvariantCulture, () => CliRunner.Run(args));
        foreach (var culture in LocaleNumberConventions())
        {
            var actual = InCulture(culture, () => CliRunner.Run(args));

            Assert.Equal(expected.Exit, actual.Exit);
            Assert.Equal(WithoutWallTime(expected.Out), WithoutWallTime(actual.Out));
            Assert.Equal(expected.Err, actual.Err);
        }
    }

    /// <summary>Every error message of Data/Scenarios/errors.txt (numbers, ranges, positions) is the same in each culture.</summary>
    [Fact]
    public void Scenario_error_messages_do_not_depend_on_the_current_culture()
    {
        var cases = IrqLab.Tests.Scenarios.ScenarioTestData.ReadErrorCases();
        foreach (var culture in LocaleNumberConventions())
        {
            foreach (var c in cases)
            {
                var ex = InCulture(culture, () => Assert.Throws<IrqLab.Scenarios.ScenarioException>(() => IrqLab.Scenarios.ScenarioLoader.Parse(c.Text, c.FileName)));
                Assert.True(c.Message == ex.Message, $"{c}: {ex.Message}");
            }
        }
    }

    /// <summary>The number conventions of de_DE, fr_FR, hi_IN and ar_SA/fa_IR on a writable copy of the invariant culture.</summary>
    private static IEnumerable<CultureInfo> LocaleNumberConventions()
    {
        yield return Culture(group: ".", decimalSeparator: ",", negative: "-", sizes: [3]);
        yield return Culture(group: "\u202F", decimalSeparator: ",", negative: "-", sizes: [3]);
        yield return Culture(group: ",", decimalSeparator: ".", negative: "-", sizes: [3, 2]);
        yield return Culture(group: "\u066C", decimalSeparator: "\u066B", negative: "\u061C-", sizes: [3]);
    }

    private static CultureInfo Culture(string group, string decimalSeparator, string negative, int[] sizes)
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        var n = culture.NumberFormat;
        n.NumberGroupSeparator = n.CurrencyGroupSeparator = n.PercentGroupSeparator = group;
        n.NumberDecimalSeparator = n.CurrencyDecimalSeparator = n.PercentDecimalSeparator = decimalSeparator;
        n.NumberGroupSizes = n.CurrencyGroupSizes = n.PercentGroupSizes = sizes;
        n.NegativeSign = negative;
        return culture;
    }

    private static T InCulture<T>(CultureInfo culture, Func<T> action)
    {
        var saved = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = culture;
        try
        {
            return action();
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    /// <summary>The wall time is the one field that may differ (SCENARIOS.md §10 <c>stats.wall_ms</c>; the summary's rows).</summary>
    private static string WithoutWallTime(string output) => WallTime().Replace(output, "WALL");

    [GeneratedRegex(@"""wall_ms"": [0-9.eE+-]+|│ wall time .*|│ real-time factor .*|\r")]
    private static partial Regex WallTime();
}
