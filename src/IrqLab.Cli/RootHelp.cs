using System.CommandLine;
using System.Text;

namespace IrqLab.Cli;

/// <summary>
/// The command list of <c>irqlab --help</c> with each command's arguments written as the command's own usage line
/// writes them: optional ones in brackets (<c>run [&lt;FILE&gt;]</c>, <c>replay &lt;FILE&gt; [&lt;AFTER&gt;]</c>).
/// System.CommandLine's list drops the brackets, and its help layout cannot be customised from outside the library,
/// so the written text is mended: the rows of the <c>Commands:</c> section get the new labels and one new column.
/// </summary>
internal static class RootHelp
{
    private const string Indent = "  ";
    private const string Gap = "  ";

    /// <summary>The command's name followed by its arguments: <c>&lt;X&gt;</c>, <c>&lt;X...&gt;</c>, bracketed when optional.</summary>
    public static string CommandLabel(Command command)
    {
        var label = new StringBuilder(command.Name);
        foreach (var argument in command.Arguments)
        {
            if (argument.Hidden || argument.Arity.MaximumNumberOfValues == 0)
            {
                continue;
            }

            var name = argument.Arity.MaximumNumberOfValues > 1 ? $"<{argument.Name}...>" : $"<{argument.Name}>";
            label.Append(' ').Append(argument.Arity.MinimumNumberOfValues == 0 ? $"[{name}]" : name);
        }

        return label.ToString();
    }

    /// <summary>
    /// <paramref name="help"/> (the root command's help text) with the rows of its <c>Commands:</c> section relabelled
    /// by <see cref="CommandLabel"/> and their descriptions (and wrapped continuation lines) moved to the new column.
    /// Text that is not a row of a known command is left as it is.
    /// </summary>
    public static string BracketOptionalArguments(string help, Command root)
    {
        var lines = help.Split('\n');
        var start = Array.FindIndex(lines, l => l.TrimEnd('\r') == "Commands:");
        if (start < 0)
        {
            return help;
        }

        var end = start + 1;
        while (end < lines.Length && lines[end].TrimEnd('\r').Length > 0)
        {
            end++;
        }

        // The rows: "  label  description"; a label's name is the command's name.
        var rows = new List<(int Line, string Label, string Description)>();
        var oldColumn = -1;
        for (var i = start + 1; i < end; i++)
        {
            var line = lines[i];
            if (!line.StartsWith(Indent, StringComparison.Ordinal) || line.Length <= Indent.Length || line[Indent.Length] == ' ')
            {
                continue;
            }

            var gap = line.IndexOf(Gap, Indent.Length, StringComparison.Ordinal);
            var name = line[Indent.Length..(gap < 0 ? line.TrimEnd('\r').Length : gap)].Split(' ')[0];
            var command = root.Subcommands.FirstOrDefault(c => c.Name == name);
            if (command is null)
            {
                return help;
            }

            var column = gap < 0 ? -1 : gap + line[gap..].TakeWhile(ch => ch == ' ').Count();
            if (column >= 0)
            {
                oldColumn = Math.Max(oldColumn, column);
            }

            rows.Add((i, CommandLabel(command), column < 0 ? "" : line[column..]));
        }

        if (rows.Count == 0)
        {
            return help;
        }

        var newColumn = Indent.Length + rows.Max(r => r.Label.Length) + Gap.Length;
        for (var i = start + 1; i < end; i++)
        {
            // A wrapped description's continuation line starts at the old column.
            if (oldColumn > 0 && lines[i].Length > oldColumn && lines[i][..oldColumn].All(ch => ch == ' '))
            {
                lines[i] = new string(' ', newColumn) + lines[i][oldColumn..];
            }
        }

        foreach (var (line, label, description) in rows)
        {
            lines[line] = description.Length == 0 ? Indent + label : Indent + label.PadRight(newColumn - Indent.Length) + description;
        }

        return string.Join('\n', lines);
    }
}
