using System.Text;
using System.Text.Json;
using IrqLab.Scenarios.Model;

namespace IrqLab.Scenarios.Syntax;

/// <summary>
/// Reads JSON with <see cref="Utf8JsonReader"/> into the format-neutral tree. Strings become quoted scalars; numbers,
/// <c>true</c>, <c>false</c> and <c>null</c> plain scalars holding their raw text (so <c>6.10</c> stays "6.10").
/// Comments are skipped; trailing commas are errors.
/// </summary>
internal sealed class JsonTreeReader
{
    private readonly byte[] _bytes;
    private readonly List<int> _lineStarts = [0];
    private readonly ErrorFactory _errors;

    private JsonTreeReader(string text, ErrorFactory errors)
    {
        _bytes = Encoding.UTF8.GetBytes(text);
        _errors = errors;
        for (var i = 0; i < _bytes.Length; i++)
        {
            if (_bytes[i] == (byte)'\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    /// <summary>Parses <paramref name="text"/>; null when it holds no value at all.</summary>
    public static SyntaxNode? Read(string text, ErrorFactory errors) =>
        string.IsNullOrWhiteSpace(text) ? null : new JsonTreeReader(text, errors).ReadRoot();

    private SyntaxNode ReadRoot()
    {
        var reader = new Utf8JsonReader(
            _bytes,
            new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = YamlTreeReader.MaxDepth });
        try
        {
            if (!reader.Read())
            {
                throw _errors.At(ErrorCodes.Syntax, new SourceMark(1, 1), "invalid JSON: the file holds no value");
            }

            var root = ReadValue(ref reader);
            if (reader.Read())
            {
                throw _errors.At(ErrorCodes.Syntax, MarkOf(reader.TokenStartIndex), "invalid JSON: text after the end of the document");
            }

            return root;
        }
        catch (JsonException ex)
        {
            var line = (int)(ex.LineNumber ?? 0);
            var mark = line < _lineStarts.Count
                ? new SourceMark(line + 1, CharColumn(_lineStarts[line], (int)(ex.BytePositionInLine ?? 0)))
                : new SourceMark(line + 1, 1);
            var message = ex.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut >= 0)
            {
                message = message[..cut];
            }

            message = "invalid JSON: " + PlainWords(message.TrimEnd('.', ' '));
            if (line < _lineStarts.Count && ByteAt(_lineStarts[line] + (int)(ex.BytePositionInLine ?? 0)) is (byte)'x' or (byte)'X')
            {
                message += " (JSON has no hex numbers; write hex as a string, like \"0x20\")";
            }

            throw _errors.At(ErrorCodes.Syntax, mark, message, ex);
        }
    }

    /// <summary>
    /// System.Text.Json's messages that speak to a .NET programmer ("Change the reader options", "JSON payload",
    /// "maximum configured depth"), reworded for the scenario's author; others are kept as they are.
    /// </summary>
    private static string PlainWords(string message)
    {
        foreach (var (start, plain) in s_plainMessages)
        {
            if (message.StartsWith(start, StringComparison.Ordinal))
            {
                return plain;
            }
        }

        return message;
    }

    private static readonly (string Start, string Plain)[] s_plainMessages =
    [
        ("The JSON object contains a trailing comma", "a trailing comma before '}' (JSON allows none)"),
        ("The JSON array contains a trailing comma", "a trailing comma before ']' (JSON allows none)"),
        ("Expected depth to be zero at the end of the JSON payload", "the file ends inside an object or array (a closing '}' or ']' is missing)"),
        ("The maximum configured depth of", $"nested deeper than {YamlTreeReader.MaxDepth} levels"),
    ];

    private SyntaxNode ReadValue(ref Utf8JsonReader reader)
    {
        var mark = MarkOf(reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var entries = new List<KeyValuePair<ScalarNode, SyntaxNode>>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var keyMark = MarkOf(reader.TokenStartIndex);
                    var key = new ScalarNode(keyMark, StringOf(ref reader, keyMark), quoted: true);
                    reader.Read();
                    entries.Add(new(key, ReadValue(ref reader)));
                }

                return new MappingNode(mark, entries);
            case JsonTokenType.StartArray:
                var items = new List<SyntaxNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader));
                }

                return new SequenceNode(mark, items);
            case JsonTokenType.String:
                return new ScalarNode(mark, StringOf(ref reader, mark), quoted: true);
            case JsonTokenType.Number:
                return new ScalarNode(mark, Encoding.UTF8.GetString(reader.ValueSpan), quoted: false);
            case JsonTokenType.True:
                return new ScalarNode(mark, "true", quoted: false);
            case JsonTokenType.False:
                return new ScalarNode(mark, "false", quoted: false);
            case JsonTokenType.Null:
                return new ScalarNode(mark, "null", quoted: false);
            default:
                throw _errors.At(ErrorCodes.Syntax, mark, "invalid JSON: unexpected " + reader.TokenType);
        }
    }

    /// <summary>
    /// The unescaped text of a string or property name. <see cref="Utf8JsonReader"/> checks <c>\u</c> escapes only when
    /// the text is unescaped: a lone UTF-16 surrogate (<c>"\ud800"</c>, <c>"\udc00x"</c>), which RFC 8259 §8.2 leaves
    /// unable to form a Unicode string, throws <see cref="InvalidOperationException"/> there; it is a syntax error here.
    /// </summary>
    private string StringOf(ref Utf8JsonReader reader, SourceMark mark)
    {
        try
        {
            return reader.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException ex)
        {
            throw _errors.At(ErrorCodes.Syntax, mark, "invalid JSON: invalid \\u surrogate escape in a string", ex);
        }
    }

    private int ByteAt(int offset) => offset >= 0 && offset < _bytes.Length ? _bytes[offset] : -1;

    private SourceMark MarkOf(long byteOffset)
    {
        var offset = (int)byteOffset;
        var index = _lineStarts.BinarySearch(offset);
        var line = index >= 0 ? index : ~index - 1;
        return new SourceMark(line + 1, CharColumn(_lineStarts[line], offset - _lineStarts[line]));
    }

    private int CharColumn(int lineStart, int bytesIntoLine)
    {
        var length = Math.Clamp(bytesIntoLine, 0, _bytes.Length - lineStart);
        return Encoding.UTF8.GetCharCount(_bytes, lineStart, length) + 1;
    }
}
