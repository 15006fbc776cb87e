using System.Text.Json.Nodes;
using IrqLab.Tests.Cli;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>Every scenario in scenarios/ passes its own expects under `irqlab check`, and runs deterministically.</summary>
public sealed class ShippedScenarioTests
{
    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(RepoPaths.Scenarios, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Check_passes(string scenario)
    {
        var (exit, output, error) = CliRunner.Run("check", RepoPaths.Scenario(scenario));
        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Same_scenario_and_seed_give_byte_identical_json_except_wall_ms(string scenario)
    {
        var first = Strip(CliRunner.Run("run", RepoPaths.Scenario(scenario), "--json"));
        var second = Strip(CliRunner.Run("run", RepoPaths.Scenario(scenario), "--json"));
        Assert.Equal(first, second);
    }

    private static string Strip((int Exit, string Out, string Err) run)
    {
        Assert.Equal(0, run.Exit);
        var json = JsonNode.Parse(run.Out)!.AsObject();
        json["stats"]!.AsObject().Remove("wall_ms");
        return json.ToJsonString();
    }
}
