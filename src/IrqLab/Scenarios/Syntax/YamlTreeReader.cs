using IrqLab.Scenarios.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace IrqLab.Scenarios.Syntax;

/// <summary>
/// Reads YAML with YamlDotNet's representation model (<see cref="YamlStream"/>) and converts it to the
/// format-neutral tree, keeping every node's start mark.
/// </summary>
internal static class YamlTreeReader
{
    /// <summary>Deepest nesting accepted.</summary>
    public const int MaxDepth = 64;

    /// <summary>Most nodes accepted (guards against alias expansion bombs).</summary>
    public const int MaxNodes = 1_000_000;

    private const string StrTag = "tag:yaml.org,2002:str";

    /// <summary>
    /// Parses <paramref name="text"/>. Returns the root (null for an empty document). YamlDotNet rejects duplicate
    /// keys itself without naming the section; then the tree is rebuilt from parser events so the walker can report
    /// the duplicate with its context, and <paramref name="pendingDuplicate"/> holds the library's report in case it does not.
    /// </summary>
    public static SyntaxNode? Read(string text, ErrorFactory errors, out ScenarioException? pendingDuplicate)
    {
        pendingDuplicate = null;
        CheckCharacters(text, errors);
        var hidden = HideNonBreaks(ref text);
        if (UntabBlankAndCommentLines(text) is { } untabbed && !Parses(text))
        {
            text = untabbed;
        }

        // The parser is a state machine, but YamlStream builds nodes recursively: bound the nesting first so that
        // "[[[[..." cannot overflow the stack. This pass also reports every syntax error.
        var parser = new Parser(new StringReader(text));
        try
        {
            CheckDepth(parser, errors);
        }
        catch (YamlException ex)
        {
            throw SyntaxError(text, ex, errors);
        }
        catch (Exception ex) when (IsParserFailure(ex))
        {
            throw MalformedError(parser, ex, errors);
        }

        parser = new Parser(new StringReader(text));
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (YamlException ex) when (ex.Message.StartsWith("Duplicate key", StringComparison.Ordinal))
        {
            var key = ex.Message["Duplicate key".Length..].Trim();
            pendingDuplicate = errors.At(ErrorCodes.Duplicate, ToMark(ex.Start), $"duplicate key '{key}'", ex);
            try
            {
                return new EventTreeBuilder(new Parser(new StringReader(text)), errors, hidden).ReadDocument();
            }
            catch (Exception fallbackError) when (IsParserFailure(fallbackError))
            {
                // The document also breaks after the duplicate; the duplicate comes first.
                throw pendingDuplicate;
            }
        }
        catch (YamlException ex)
        {
            throw SyntaxError(text, ex, errors);
        }
        catch (Exception ex) when (IsParserFailure(ex))
        {
            throw MalformedError(parser, ex, errors);
        }

        if (stream.Documents.Count == 0)
        {
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            var (mark, marker) = SecondDocumentStart(text);
            throw errors.At(ErrorCodes.Syntax, mark, $"invalid YAML: a scenario is one document; found a second one ({marker})");
        }

        var count = 0;
        return Convert(stream.Documents[0].RootNode, 0, ref count, errors, hidden);
    }

    /// <summary>
    /// Where the second document of a stream starts: its <c>---</c>, or its first token when a <c>...</c> ended the first
    /// document. The second document's root node is not the place: an empty document's root lies past the <c>---</c>,
    /// beyond the last line of a file that ends there.
    /// </summary>
    private static (SourceMark Mark, string Marker) SecondDocumentStart(string text)
    {
        var parser = new Parser(new StringReader(text));
        var documents = 0;
        while (parser.MoveNext())
        {
            if (parser.Current is DocumentStart start && ++documents == 2)
            {
                return (ToMark(start.Start), start.IsImplicit ? "after '...'" : "'---'");
            }
        }

        throw new InvalidOperationException("the stream has a second document");
    }

    /// <summary>The error for a <see cref="YamlException"/> of either pass: its message at its position.</summary>
    private static ScenarioException SyntaxError(string text, YamlException ex, ErrorFactory errors) =>
        errors.At(ErrorCodes.Syntax, SyntaxErrorMark(text, ex), "invalid YAML: " + Clean(ex.Message), ex);

    /// <summary>
    /// The error for another exception YamlDotNet throws for some malformed streams (an unclosed '[' at a block key, ...),
    /// at the event the parser stopped on.
    /// </summary>
    private static ScenarioException MalformedError(Parser parser, Exception ex, ErrorFactory errors)
    {
        var mark = parser.Current is { } current ? ToMark(current.Start) : new SourceMark(1, 1);
        return errors.At(ErrorCodes.Syntax, mark, "invalid YAML: malformed structure near here (an unclosed '[' or '{'?)", ex);
    }

    /// <summary>
    /// YAML 1.2 §5.1: a stream holds only printable characters (tab, LF, CR, 0x20-0x7E, NEL, 0xA0 and up except
    /// U+FFFE/U+FFFF). YamlDotNet lets C0 controls such as NUL through, so they are rejected here, at their position
    /// (lines end at CR LF, LF or a lone CR, YAML 1.2 §5.4, as YamlDotNet counts them).
    /// </summary>
    private static void CheckCharacters(string text, ErrorFactory errors)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n' || (c == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                line++;
                lineStart = i + 1;
            }
            else if (!IsPrintable(c))
            {
                throw errors.At(
                    ErrorCodes.Syntax,
                    new SourceMark(line, i - lineStart + 1),
                    $"invalid YAML: control character U+{(int)c:X4} is not allowed (YAML 1.2 §5.1: only tab, LF and CR; write it as an escape in a double-quoted string)");
            }
        }
    }

    private static bool IsPrintable(char c) =>
        c is '\t' or '\n' or '\r' or (>= ' ' and <= '~') or '\u0085' or (>= '\u00A0' and <= '\uFFFD');

    /// <summary>
    /// Bounds the nesting, and checks that every alias follows its anchor: YAML 1.2 §7.1 makes an alias to an anchor
    /// that does not occur earlier in the document an error, but YamlStream resolves such forward references.
    /// </summary>
    private static void CheckDepth(Parser parser, ErrorFactory errors)
    {
        var depth = 0;
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        while (parser.MoveNext())
        {
            if (parser.Current is NodeEvent { Anchor.IsEmpty: false } anchored)
            {
                anchors.Add(anchored.Anchor.Value);
            }

            switch (parser.Current)
            {
                case AnchorAlias alias when !anchors.Contains(alias.Value.Value):
                    throw errors.At(
                        ErrorCodes.Syntax,
                        ToMark(alias.Start),
                        $"invalid YAML: alias '*{alias.Value.Value}' has no anchor '&{alias.Value.Value}' before it (YAML 1.2 §7.1: an alias refers to an earlier anchor)");
                case MappingStart or SequenceStart:
                    if (++depth > MaxDepth)
                    {
                        throw errors.At(ErrorCodes.Syntax, ToMark(parser.Current.Start), $"invalid YAML: nested deeper than {MaxDepth} levels");
                    }

                    break;
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }
    }

    /// <summary>
    /// YAML 1.2 allows tabs on a line that holds only white space (an empty line, §6.5 <c>l-empty</c>, whose prefix takes
    /// tabs in flow context and beside the indentation) and before a comment on a line of its own (§6.6
    /// <c>l-comment</c>: <c>s-separate-in-line</c> is spaces or tabs); yaml-test-suite DK95 reads <c>foo: 1\n\t\nbar: 2</c>
    /// as a mapping. YamlDotNet refuses both when the tab comes first ("a tab character that violate indentation", placed at
    /// the end of the line before), and an editor that indents with tabs leaves such blank lines. This is the text with the
    /// tabs of those lines made spaces (one for one: positions hold), or null when it has none; <see cref="Read"/> reads it
    /// only when the text as written does not parse, so a file YamlDotNet reads keeps its every character (a line of white
    /// space inside a block scalar is content).
    /// </summary>
    private static string? UntabBlankAndCommentLines(string text)
    {
        char[]? chars = null;
        var start = 0;
        while (start < text.Length)
        {
            var end = text.AsSpan(start).IndexOfAny('\r', '\n') is var n and >= 0 ? start + n : text.Length;
            var content = start;
            while (content < end && text[content] is ' ' or '\t')
            {
                content++;
            }

            if ((content == end || text[content] == '#') && text.AsSpan(start, content - start).Contains('\t'))
            {
                chars ??= text.ToCharArray();
                chars.AsSpan(start, content - start).Replace('\t', ' ');
            }

            start = end + 1;
        }

        return chars is null ? null : new string(chars);
    }

    /// <summary>Whether the parser reads <paramref name="text"/> to its end without a syntax error.</summary>
    private static bool Parses(string text)
    {
        var parser = new Parser(new StringReader(text));
        try
        {
            while (parser.MoveNext())
            {
            }

            return true;
        }
        catch (Exception ex) when (IsParserFailure(ex))
        {
            return false;
        }
    }

    /// <summary>
    /// Exceptions YamlDotNet throws for malformed input: <see cref="YamlException"/>, and for some streams (an
    /// unclosed '[' at a block key, ...) <see cref="InvalidOperationException"/> and friends.
    /// </summary>
    private static bool IsParserFailure(Exception ex) =>
        ex is YamlException or InvalidOperationException or ArgumentException or FormatException or IndexOutOfRangeException;

    private static SyntaxNode Convert(YamlNode node, int depth, ref int count, ErrorFactory errors, char hidden)
    {
        var mark = ToMark(node.Start);
        if (++count > MaxNodes)
        {
            throw errors.At(ErrorCodes.Syntax, mark, $"invalid YAML: more than {MaxNodes} nodes (alias expansion?)");
        }

        if (depth > MaxDepth)
        {
            throw errors.At(ErrorCodes.Syntax, mark, $"invalid YAML: nested deeper than {MaxDepth} levels");
        }

        CheckTag(node.Tag, node is YamlScalarNode, mark, errors);
        switch (node)
        {
            case YamlScalarNode scalar:
                return ToScalar(scalar, hidden);
            case YamlSequenceNode sequence:
                var items = new List<SyntaxNode>(sequence.Children.Count);
                foreach (var child in sequence.Children)
                {
                    items.Add(Convert(child, depth + 1, ref count, errors, hidden));
                }

                return new SequenceNode(mark, items);
            case YamlMappingNode mapping:
                var entries = new List<KeyValuePair<ScalarNode, SyntaxNode>>(mapping.Children.Count);
                foreach (var entry in mapping.Children)
                {
                    if (entry.Key is not YamlScalarNode key)
                    {
                        throw errors.At(ErrorCodes.Type, ToMark(entry.Key.Start), "expected a key name, got a complex key");
                    }

                    var value = Convert(entry.Value, depth + 1, ref count, errors, hidden);
                    entries.Add(new(AtValueIfEmpty(ToScalar(key, hidden), value), value));
                }

                return new MappingNode(mark, entries);
            default:
                throw errors.At(ErrorCodes.Syntax, mark, "invalid YAML: unsupported node");
        }
    }

    /// <summary>
    /// An empty key (<c>: x</c> at the start of a line) carries no position of its own: YamlDotNet gives it the start
    /// of the previous key, lines above. Its value marks the entry instead, so the error points at the right line.
    /// </summary>
    private static ScalarNode AtValueIfEmpty(ScalarNode key, SyntaxNode value) =>
        key is { Text.Length: 0, Quoted: false } && value is not ScalarNode { Text.Length: 0, Quoted: false }
            ? new ScalarNode(value.Mark, key.Text, key.Quoted)
            : key;

    private static ScalarNode ToScalar(YamlScalarNode scalar, char hidden) =>
        new(ToMark(scalar.Start), Restore(scalar.Value ?? string.Empty, hidden), scalar.Style != ScalarStyle.Plain || IsStrTag(scalar.Tag.IsEmpty ? null : scalar.Tag.Value));

    /// <summary>
    /// YAML 1.2 §5.4: NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029) are not line breaks, as
    /// they were in YAML 1.1 ("YAML treats them as non-break characters as of version 1.2"), but YamlDotNet still reads
    /// them as line breaks: <c>name: a&#x2028;b</c> was a broken mapping, <c>name: "a&#x2028;b"</c> the folded "a b".
    /// Each is replaced, one character for one so that positions hold, by a Unicode noncharacter (three consecutive ones of
    /// U+FDD0-U+FDEF, kept for a program's internal use, that the file does not hold itself) that YamlDotNet reads as
    /// content, and <see cref="Restore"/> puts it back in every scalar. Returns the first of the three, or U+0000 when the
    /// text has none of the three breaks (or, which no real file does, holds every such triple itself: it is then left as
    /// it is). (Until the eighteenth session's soak a file that held any of U+FDD0-U+FDD2 was left as it is, so a NEL in it
    /// was a line break again and a syntax error's column could lie past the end of its line.)
    /// </summary>
    private static char HideNonBreaks(ref string text)
    {
        if (text.AsSpan().IndexOfAny('\u0085', '\u2028', '\u2029') < 0)
        {
            return '\0';
        }

        for (var first = '\uFDD0'; first <= '\uFDED'; first++)
        {
            if (text.AsSpan().IndexOfAnyInRange(first, (char)(first + 2)) < 0)
            {
                text = text.Replace('\u0085', first).Replace('\u2028', (char)(first + 1)).Replace('\u2029', (char)(first + 2));
                return first;
            }
        }

        return '\0';
    }

    /// <summary>The text of a scalar read from a text that <see cref="HideNonBreaks"/> changed, as the file wrote it.</summary>
    private static string Restore(string value, char hidden) =>
        hidden != '\0' && value.AsSpan().IndexOfAnyInRange(hidden, (char)(hidden + 2)) >= 0
            ? value.Replace(hidden, '\u0085').Replace((char)(hidden + 1), '\u2028').Replace((char)(hidden + 2), '\u2029')
            : value;

    private static bool IsStrTag(string? tag) => tag is StrTag or "!!str";

    /// <summary>
    /// Explicit tags are not supported, except <c>!!str</c> (and the non-specific <c>!</c>) on a scalar, which only make
    /// it a string as quotes do: a tag the loader ignored would change nothing (<c>!!binary</c> was read as the text,
    /// <c>!!float 2</c> as the integer 2), so it is rejected.
    /// </summary>
    private static void CheckTag(TagName tag, bool scalar, SourceMark mark, ErrorFactory errors)
    {
        if (tag.IsEmpty || (scalar && (IsStrTag(tag.Value) || tag.Value == "!")))
        {
            return;
        }

        var written = tag.Value.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal) ? "!!" + tag.Value["tag:yaml.org,2002:".Length..] : tag.Value;
        throw errors.At(ErrorCodes.Syntax, mark, $"invalid YAML: tag '{written}' is not supported (tags are not supported, except !!str on a scalar)");
    }

    /// <summary>YamlDotNet marks are 1-based already; an empty mark becomes 1:1.</summary>
    public static SourceMark ToMark(Mark mark) => new(Math.Max((int)mark.Line, 1), Math.Max((int)mark.Column, 1));

    /// <summary>
    /// Where a YamlDotNet syntax error points. Its marks are right except for a tab in indentation, which it reports at
    /// the start of the enclosing mapping (1:1 for a top-level one) or of the scalar before it: SCENARIOS.md §10 wants
    /// the offending character, so that error points at the first tab that indents a line from that mark on.
    /// </summary>
    private static SourceMark SyntaxErrorMark(string text, YamlException ex)
    {
        var start = ToMark(ex.Start);
        return ex.Message.Contains(" tab ", StringComparison.Ordinal) && IndentingTab(text, start.Line) is { } tab ? tab : start;
    }

    /// <summary>The first tab in the leading whitespace of a line at or after <paramref name="fromLine"/>, skipping blank and comment lines.</summary>
    private static SourceMark? IndentingTab(string text, int fromLine)
    {
        var line = 1;
        var i = 0;
        while (i < text.Length)
        {
            var end = text.IndexOfAny(['\r', '\n'], i);
            if (end < 0)
            {
                end = text.Length;
            }

            if (line >= fromLine)
            {
                var content = i;
                while (content < end && text[content] is ' ' or '\t')
                {
                    content++;
                }

                var tab = text.IndexOf('\t', i, content - i);
                if (tab >= 0 && content < end && text[content] != '#')
                {
                    return new SourceMark(line, tab - i + 1);
                }
            }

            i = end < text.Length && text[end] == '\r' && end + 1 < text.Length && text[end + 1] == '\n' ? end + 2 : end + 1;
            line++;
        }

        return null;
    }

    private static string Clean(string message) => message.TrimEnd('.') is { Length: > 0 } m ? m : "malformed document";

    /// <summary>Builds the tree from raw parser events, keeping duplicate keys (used only to locate a duplicate).</summary>
    private sealed class EventTreeBuilder(IParser parser, ErrorFactory errors, char hidden)
    {
        private readonly Dictionary<string, SyntaxNode> _anchors = new(StringComparer.Ordinal);
        private int _count;

        public SyntaxNode? ReadDocument()
        {
            parser.Consume<StreamStart>();
            if (!parser.TryConsume<DocumentStart>(out _))
            {
                return null;
            }

            return ReadNode(0);
        }

        private SyntaxNode ReadNode(int depth)
        {
            if (++_count > MaxNodes || depth > MaxDepth)
            {
                throw new YamlException("too large");
            }

            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                return _anchors.TryGetValue(alias.Value.Value, out var target)
                    ? target
                    : throw new YamlException(alias.Start, alias.End, "unknown anchor");
            }

            SyntaxNode node;
            string? anchor;
            if (parser.Current is NodeEvent tagged)
            {
                CheckTag(tagged.Tag, tagged is Scalar, ToMark(tagged.Start), errors);
            }

            if (parser.TryConsume<Scalar>(out var scalar))
            {
                anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
                node = new ScalarNode(
                    ToMark(scalar.Start),
                    Restore(scalar.Value, hidden),
                    scalar.Style != ScalarStyle.Plain || IsStrTag(scalar.Tag.IsEmpty ? null : scalar.Tag.Value));
            }
            else if (parser.TryConsume<SequenceStart>(out var sequenceStart))
            {
                anchor = sequenceStart.Anchor.IsEmpty ? null : sequenceStart.Anchor.Value;
                var items = new List<SyntaxNode>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    items.Add(ReadNode(depth + 1));
                }

                node = new SequenceNode(ToMark(sequenceStart.Start), items);
            }
            else
            {
                var mappingStart = parser.Consume<MappingStart>();
                anchor = mappingStart.Anchor.IsEmpty ? null : mappingStart.Anchor.Value;
                var entries = new List<KeyValuePair<ScalarNode, SyntaxNode>>();
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyNode = ReadNode(depth + 1);
                    if (keyNode is not ScalarNode key)
                    {
                        throw errors.At(ErrorCodes.Type, keyNode, "expected a key name, got a complex key");
                    }

                    var value = ReadNode(depth + 1);
                    entries.Add(new(AtValueIfEmpty(key, value), value));
                }

                node = new MappingNode(ToMark(mappingStart.Start), entries);
            }

            if (anchor is not null)
            {
                _anchors[anchor] = node;
            }

            return node;
        }
    }
}
