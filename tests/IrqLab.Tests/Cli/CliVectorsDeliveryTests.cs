using System.Text.Json;
using IrqLab.Scenarios;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// SCENARIOS.md §3 "delivery: fred (fred requires version >= 6.9 or variant rfc-2022)": <c>irqlab vectors</c> applies the
/// scenario loader's rule, so <c>--delivery fred --kernel 6.1</c> is the same exit-2 <c>conflict</c> as a scenario with
/// kernel {version: "6.1", delivery: fred}, with the same reason.
/// </summary>
public sealed class CliVectorsDeliveryTests
{
    [Theory]
    [InlineData("6.1")]
    [InlineData("6.6")]
    public void Vectors_refuses_fred_before_6_9_mainline_as_the_loader_does_SCENARIOS_md_3(string version)
    {
        var (exit, stdout, stderr) = CliRunner.Run("vectors", "--delivery", "fred", "--kernel", version, "--json");

        Assert.Equal(2, exit);
        var loader = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(
            $"irqlab: 1\nname: x\nkernel: {{version: \"{version}\", delivery: fred}}\n", "x.yaml"));
        Assert.Equal(ErrorCodes.Conflict, loader.Code);
        var reason = loader.Detail["delivery 'fred' ".Length..];
        var line = "irqlab: error: --delivery fred " + reason;
        Assert.Equal(line + Environment.NewLine, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("conflict", error.GetProperty("code").GetString());
        Assert.Equal(line, error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("6.1", "rfc-2022")]
    [InlineData("6.9", "mainline")]
    [InlineData("latest", "mainline")]
    public void Vectors_accepts_fred_where_the_loader_does_SCENARIOS_md_3(string version, string variant)
    {
        var (exit, stdout, _) = CliRunner.Run("vectors", "--delivery", "fred", "--kernel", version, "--variant", variant, "--json");

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("fred", doc.RootElement.GetProperty("kernel").GetProperty("delivery").GetString());
    }

    [Theory]
    [InlineData("6.9", "idt")]
    [InlineData("6.9", "fred")]
    public void Vectors_text_names_the_delivery_as_its_json_kernel_object_does_SCENARIOS_md_11(string version, string delivery)
    {
        // The table's title is the text form of the kernel object ("as in run": run's text prints "..., fred delivery, ...");
        // it left the delivery out, so --delivery fred changed nothing in the text output.
        var (exit, stdout, _) = CliRunner.Run("vectors", "--kernel", version, "--delivery", delivery);

        Assert.Equal(0, exit);
        Assert.Contains($"Linux {version} mainline, {delivery} delivery: FIRST_SYSTEM_VECTOR 0xec, NR_SYSTEM_VECTORS 20", stdout, StringComparison.Ordinal);
    }
}
