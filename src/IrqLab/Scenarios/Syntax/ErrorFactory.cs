using IrqLab.Scenarios.Model;

namespace IrqLab.Scenarios.Syntax;

/// <summary>Builds <see cref="ScenarioException"/>s for one file.</summary>
internal sealed class ErrorFactory(string file)
{
    /// <summary>The file name as given.</summary>
    public string File { get; } = file;

    /// <summary>An error at <paramref name="mark"/>.</summary>
    public ScenarioException At(string code, SourceMark mark, string detail, Exception? inner = null) =>
        new(code, File, Math.Max(mark.Line, 1), Math.Max(mark.Column, 1), detail, inner);

    /// <summary>An error at <paramref name="node"/>.</summary>
    public ScenarioException At(string code, SyntaxNode node, string detail) => At(code, node.Mark, detail);
}
