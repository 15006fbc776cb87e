using IrqLab.Scenarios;
using Xunit;

namespace IrqLab.Tests.Scenarios;

/// <summary>Each invalid scenario of Data/Scenarios/errors.txt fails with its exact code and message (SCENARIOS.md §1, §10 "Errors").</summary>
public sealed class ScenarioLoaderErrorTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in ScenarioTestData.ReadErrorCases())
        {
            data.Add(c.ToString());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Invalid_scenario_is_rejected_with_exact_message(string caseName)
    {
        var c = ScenarioTestData.ReadErrorCases().Single(x => x.ToString() == caseName);
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(c.Text, c.FileName));
        Assert.Equal(c.Message, ex.Message);
        Assert.Equal(c.Code, ex.Code);
        Assert.Equal(c.FileName, ex.File);
        Assert.Equal(ex.Message, $"{ex.File}:{ex.Line}:{ex.Column}: error: {ex.Detail}");
    }

    [Fact]
    public void Error_cases_cover_every_code_except_io()
    {
        var codes = ScenarioTestData.ReadErrorCases().Select(c => c.Code).ToHashSet();
        string[] expected =
        [
            ErrorCodes.Syntax, ErrorCodes.UnknownKey, ErrorCodes.Type, ErrorCodes.Range, ErrorCodes.MissingKey,
            ErrorCodes.UnknownName, ErrorCodes.Duplicate, ErrorCodes.Conflict,
        ];
        Assert.Subset(codes, expected.ToHashSet());
    }

    [Theory]
    [InlineData("bad.yaml")]
    [InlineData("bad.json")]
    public void Very_deep_nesting_is_a_syntax_error_not_a_stack_overflow(string file)
    {
        var text = "{\"irqlab\": 1, \"name\": \"x\", \"description\": " + new string('[', 200_000);
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(text, file));
        Assert.Equal(ErrorCodes.Syntax, ex.Code);
    }

    // A duration or rate written with a million digits is out of range (or not a whole number of ns) whatever they are;
    // the reader stops growing its number past 40 integer digits or 64 decimals, so such a file is refused like a short
    // one (and in linear time: a BigInteger product per digit made a few megabytes of digits take minutes).
    [Theory]
    [InlineData("1", "", ErrorCodes.Range)]
    [InlineData("0.", "1", ErrorCodes.Range)]
    [InlineData("0.", "", null)]
    public void A_duration_of_a_million_digits_is_read_like_a_short_one_section_1(string head, string tail, string? code)
    {
        var text = $"irqlab: 1\nname: x\nsteps: [{{advance: \"{head}{new string('0', 1_000_000)}{tail}us\"}}]\n";
        if (code is null)
        {
            Assert.Equal(0L, ((IrqLab.Scenarios.Model.AdvanceStep)ScenarioLoader.Parse(text, "s.yaml").Steps[0]).DurationNs);
            return;
        }

        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(text, "s.yaml"));
        Assert.Equal(code, ex.Code);

        // The message shows the start of the value and its length, not a megabyte of digits.
        Assert.Contains($"... ({head.Length + 1_000_000 + tail.Length + 2} characters)", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 300, $"a message of {ex.Message.Length} characters");
    }

    [Fact]
    public void Alias_expansion_bomb_is_rejected()
    {
        var text = "irqlab: 1\nname: x\na: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n";
        for (var i = 0; i < 8; i++)
        {
            text += $"b{i}: &b{i} [{string.Join(", ", Enumerable.Repeat(i == 0 ? "*a" : $"*b{i - 1}", 10))}]\n";
        }

        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(text, "bomb.yaml"));
        Assert.Equal(ErrorCodes.Syntax, ex.Code);
        Assert.Contains("more than 1000000 nodes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_an_io_error()
    {
        var path = Path.Combine(ScenarioTestData.Directory, "does-not-exist.yaml");
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(path));
        Assert.Equal(ErrorCodes.Io, ex.Code);
        Assert.Equal(path, ex.File);
        Assert.Equal($"{path}: error: file not found", ex.Message);
    }
}
