using System.Globalization;
using System.Text;
using IrqLab.Scenarios.Model;

namespace IrqLab.Scenarios.Syntax;

/// <summary>Builds <see cref="ScenarioException"/>s for one file.</summary>
internal sealed class ErrorFactory(string file)
{
    /// <summary>The file name as given.</summary>
    public string File { get; } = file;

    /// <summary>An error at <paramref name="mark"/>.</summary>
    public ScenarioException At(string code, SourceMark mark, string detail, Exception? inner = null) =>
        new(code, File, Math.Max(mark.Line, 1), Math.Max(mark.Column, 1), OneLine(detail), inner);

    /// <summary>An error at <paramref name="node"/>.</summary>
    public ScenarioException At(string code, SyntaxNode node, string detail) => At(code, node.Mark, detail);

    /// <summary>
    /// The detail with control characters and line separators escaped (<c>\n</c>, <c>\t</c>, <c>\u0085</c>): the
    /// text it quotes from the file (a block scalar's final line break, a quoted key with <c>\n</c>) must not break
    /// the error's one line on stderr.
    /// </summary>
    private static string OneLine(string detail)
    {
        if (!detail.Any(NeedsEscape))
        {
            return detail;
        }

        var sb = new StringBuilder(detail.Length + 8);
        foreach (var c in detail)
        {
            _ = c switch
            {
                '\n' => sb.Append("\\n"),
                '\r' => sb.Append("\\r"),
                '\t' => sb.Append("\\t"),
                _ when NeedsEscape(c) => sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => sb.Append(c),
            };
        }

        return sb.ToString();
    }

    private static bool NeedsEscape(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
