using MyEmulator;
using Xunit;

namespace IrqLab.Tests.Docs;

/// <summary>docs/embedding.md shows EmbeddingExample.cs verbatim, and the example runs as the doc says.</summary>
public sealed class EmbeddingDocTests
{
    [Fact]
    public void Example_runs_level_interrupt_round_trip_and_8259_acknowledge()
    {
        var log = EmulatorHost.Run();
        Assert.Equal("INTR=True", log[0]);                          // SDM 11.8.3: 0x41 pending above PPR 0
        Assert.Contains("vector 0x41, ISR [65]", log);              // INTA moved it to ISR
        Assert.Contains("remote IRR False", log);                   // 82093AA: EOI broadcast cleared remote IRR
        Assert.Contains("8259 INTA -> vector 0x20", log);           // ICW2 base 0x20 + IRQ0
        Assert.DoesNotContain("NMI", log);
    }

    [Fact]
    public void Doc_contains_the_compiled_example_verbatim()
    {
        var source = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "IrqLab.Tests", "Docs", "EmbeddingExample.cs"));
        var start = source.IndexOf("// <example>", StringComparison.Ordinal) + "// <example>".Length;
        var end = source.IndexOf("// </example>", StringComparison.Ordinal);
        var example = source[start..end].Trim();
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "embedding.md"));
        Assert.Contains(example, doc, StringComparison.Ordinal);
        Assert.True(example.Split('\n').Length <= 60, "the example stays short");
    }
}
