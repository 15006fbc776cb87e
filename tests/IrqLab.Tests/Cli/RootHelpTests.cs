using System.CommandLine;
using IrqLab.Cli;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>`irqlab --help`: the command list writes optional arguments in brackets, as each command's own usage does.</summary>
public sealed class RootHelpTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-?")]
    public void Root_help_lists_each_command_with_its_arguments_as_its_own_usage_line_does(string flag)
    {
        // `run --help` says "irqlab run [<FILE>]" and `replay --help` "irqlab replay <FILE> [<AFTER>]"; the root
        // command list printed "run <FILE>" and "replay <FILE> <AFTER>", as if both were required.
        var (exit, output, _) = CliRunner.Run(flag);
        Assert.Equal(0, exit);
        var rows = CommandRows(output);
        Assert.Equal(["run [<FILE>]", "check <FILE...>", "vectors", "trace <FILE>", "replay <FILE> [<AFTER>]", "bench"],
            rows.Select(r => r.Label));

        // One description column for every row, two spaces after the longest label.
        Assert.Single(rows.Select(r => r.Column).Distinct());
        Assert.Equal(2 + "replay <FILE> [<AFTER>]".Length + 2, rows[0].Column);
        foreach (var command in new[] { "run", "replay" })
        {
            var own = CliRunner.Run(command, "--help").Out;
            var label = rows.Single(r => r.Label.StartsWith(command + " ", StringComparison.Ordinal)).Label;
            Assert.Contains($" {label} [options]", own, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_wrapped_description_moves_with_its_row()
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(new Command("go") { Arguments = { new Argument<string?>("X") { Arity = ArgumentArity.ZeroOrOne } } });
        root.Subcommands.Add(new Command("stop"));
        const string help = "Commands:\n  go <X>  First line of a long\n          description.\n  stop    Stop.\n\nMore text\n";
        var mended = RootHelp.BracketOptionalArguments(help, root);
        Assert.Equal("Commands:\n  go [<X>]  First line of a long\n            description.\n  stop      Stop.\n\nMore text\n", mended);
    }

    [Fact]
    public void Help_of_an_unknown_shape_is_left_alone()
    {
        var root = new RootCommand("test");
        Assert.Equal("Usage:\n  x\n", RootHelp.BracketOptionalArguments("Usage:\n  x\n", root));
        Assert.Equal("Commands:\n  other  Not ours.\n", RootHelp.BracketOptionalArguments("Commands:\n  other  Not ours.\n", root));
    }

    private static List<(string Label, int Column)> CommandRows(string help)
    {
        var lines = help.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var start = lines.IndexOf("Commands:");
        Assert.True(start >= 0, help);
        var rows = new List<(string, int)>();
        for (var i = start + 1; i < lines.Count && lines[i].Length > 0; i++)
        {
            var line = lines[i];
            if (line.StartsWith("  ", StringComparison.Ordinal) && line[2] != ' ')
            {
                var gap = line.IndexOf("  ", 2, StringComparison.Ordinal);
                var column = gap + line[gap..].TakeWhile(c => c == ' ').Count();
                rows.Add((line[2..gap], column));
            }
        }

        return rows;
    }
}
