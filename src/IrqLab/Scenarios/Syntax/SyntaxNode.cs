using IrqLab.Scenarios.Model;

namespace IrqLab.Scenarios.Syntax;

/// <summary>A node of the format-neutral tree that both the YAML and the JSON reader produce; every node keeps its position.</summary>
internal abstract class SyntaxNode(SourceMark mark)
{
    /// <summary>1-based position of the node's first character.</summary>
    public SourceMark Mark { get; } = mark;

    /// <summary>How the node reads in an error message ("a list", "'abc'").</summary>
    public abstract string Describe();
}

/// <summary>A scalar: its text exactly as written, and whether it was quoted (a JSON string is quoted; a JSON number, true, false or null is plain).</summary>
internal sealed class ScalarNode(SourceMark mark, string text, bool quoted) : SyntaxNode(mark)
{
    /// <summary>The text as written (without quotes).</summary>
    public string Text { get; } = text;

    /// <summary>True for quoted (and block) scalars: always a string.</summary>
    public bool Quoted { get; } = quoted;

    /// <summary>True for a plain YAML null (<c>~</c>, <c>null</c>, empty) or JSON null.</summary>
    public bool IsNull => !Quoted && Text is "" or "~" or "null" or "Null" or "NULL";

    /// <inheritdoc/>
    public override string Describe() => IsNull ? "null" : "'" + Shown + "'";

    /// <summary>
    /// The text for an error message: as written, or its first <see cref="ShownLength"/> characters and how long it is
    /// (a value of a million digits is refused in a line, not echoed whole).
    /// </summary>
    public string Shown => Text.Length <= ShownLength ? Text : $"{Text[..ShownLength]}... ({Text.Length} characters)";

    /// <summary>How much of a long scalar an error message shows.</summary>
    public const int ShownLength = 80;
}

/// <summary>A mapping; entries in document order, duplicates kept (the walker reports them with context).</summary>
internal sealed class MappingNode(SourceMark mark, List<KeyValuePair<ScalarNode, SyntaxNode>> entries) : SyntaxNode(mark)
{
    /// <summary>Entries in document order.</summary>
    public List<KeyValuePair<ScalarNode, SyntaxNode>> Entries { get; } = entries;

    /// <inheritdoc/>
    public override string Describe() => "a mapping";
}

/// <summary>A sequence.</summary>
internal sealed class SequenceNode(SourceMark mark, List<SyntaxNode> items) : SyntaxNode(mark)
{
    /// <summary>Items in order.</summary>
    public List<SyntaxNode> Items { get; } = items;

    /// <inheritdoc/>
    public override string Describe() => "a list";
}
