using IrqLab.Scenarios;
using IrqLab.Scenarios.Model;
using Xunit;

namespace IrqLab.Tests.Scenarios;

/// <summary>
/// JSON text is also YAML (flow style): read by the JSON reader and by the YAML reader it must give the same model
/// and, for semantic errors, the same code, position and message (SCENARIOS.md §1: YAML or JSON, same meaning).
/// </summary>
public sealed class JsonYamlDifferentialTests
{
    public static TheoryData<string> JsonSemanticErrorCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in ScenarioTestData.ReadErrorCases().Where(c => c.FileName.EndsWith(".json", StringComparison.Ordinal) && c.Code != ErrorCodes.Syntax))
        {
            data.Add(c.ToString());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(JsonSemanticErrorCases))]
    public void Json_errors_match_the_yaml_reading_of_the_same_text(string caseName)
    {
        var c = ScenarioTestData.ReadErrorCases().Single(x => x.ToString() == caseName);
        var json = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(c.Text, "s.json"));
        var yaml = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(c.Text, "s.yaml"));
        Assert.Equal((json.Code, json.Line, json.Column, json.Detail), (yaml.Code, yaml.Line, yaml.Column, yaml.Detail));
    }

    [Fact]
    public void Json_sample_reads_the_same_as_json_and_as_yaml()
    {
        var text = File.ReadAllText(Path.Combine(ScenarioTestData.ValidDirectory, "linux-full.json"));
        Assert.Equal(Dump(ScenarioLoader.Parse(text, "s.json")), Dump(ScenarioLoader.Parse(text, "s.yaml")));
    }

    // Records print their members; lists and dictionaries are printed separately.
    private static string Dump(Scenario s) => string.Join(
        "\n",
        new object[] { s with { File = string.Empty, Devices = [], Steps = [], Workload = [], Kernel = s.Kernel with { Config = new Dictionary<string, bool>() } } }
            .Concat(s.Kernel.Config.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (object)kv))
            .Concat(s.Devices.Select(d => (object)(d with { Msix = null, Msi = null })))
            .Concat(s.Devices.Select(d => (object?)(d.Msix ?? d.Msi) ?? "-"))
            .Concat(s.Devices.Select(d => (object)string.Join(",", (d.Msix ?? d.Msi)?.Affinity ?? [])))
            .Concat(s.Workload)
            .Concat(s.Steps));
}
