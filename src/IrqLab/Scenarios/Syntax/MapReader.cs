using IrqLab.Scenarios.Model;

namespace IrqLab.Scenarios.Syntax;

/// <summary>
/// A mapping checked against its allowed keys: duplicate keys and unknown keys (with a "did you mean" hint) are
/// rejected at construction, in document order; lookups then need no further checks.
/// </summary>
internal sealed class MapReader
{
    private readonly Dictionary<string, KeyValuePair<ScalarNode, SyntaxNode>> _entries = new(StringComparer.Ordinal);
    private readonly ErrorFactory _errors;

    public MapReader(MappingNode node, string path, IReadOnlyList<string> allowed, ErrorFactory errors)
    {
        _errors = errors;
        Node = node;
        Path = path;
        foreach (var entry in node.Entries)
        {
            var key = entry.Key.Text;
            if (_entries.TryGetValue(key, out var first))
            {
                throw errors.At(ErrorCodes.Duplicate, entry.Key, $"duplicate key '{key}' {In} (first at {first.Key.Mark})");
            }

            if (!allowed.Contains(key))
            {
                throw errors.At(
                    ErrorCodes.UnknownKey,
                    entry.Key,
                    $"unknown key '{key}' {In}{KeyHint(entry, allowed)} (allowed: {string.Join(", ", allowed)}){(key == "<<" && !entry.Key.Quoted ? "; YAML merge keys are not supported: write the keys out" : string.Empty)}");
            }

            _entries.Add(key, entry);
        }
    }

    /// <summary>The mapping.</summary>
    public MappingNode Node { get; }

    /// <summary>
    /// The "did you mean" of an unknown key. A plain key with a ':' that no space follows and no value, such as
    /// <c>cpus:2</c> in <c>{cpus:2}</c>, is one scalar in YAML (a ':' indicates a value only before a space, YAML 1.2.2
    /// §7.3.3, ns-plain-char): when the text before the ':' is an allowed key, the hint writes the space
    /// (<c>did you mean 'cpus: 2'?</c>) rather than only the key.
    /// </summary>
    private static string KeyHint(KeyValuePair<ScalarNode, SyntaxNode> entry, IReadOnlyList<string> allowed)
    {
        var key = entry.Key.Text;
        var colon = entry.Key.Quoted ? -1 : key.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon < key.Length - 1 && allowed.Contains(key[..colon]) && entry.Value is ScalarNode { IsNull: true }
            ? $"; did you mean '{key[..colon]}: {key[(colon + 1)..]}'? (YAML reads a ':' with no space after it as part of the key)"
            : Hints.DidYouMean(key, allowed);
    }

    /// <summary>Dotted path of the mapping ("machine", "devices[1].line"); empty at the top level.</summary>
    public string Path { get; }

    /// <summary>Where the mapping starts.</summary>
    public SourceMark Mark => Node.Mark;

    /// <summary>"in machine" or "at the top level".</summary>
    public string In => Path.Length == 0 ? "at the top level" : "in " + Path;

    /// <summary>Number of keys present.</summary>
    public int Count => _entries.Count;

    /// <summary>True when the key is present.</summary>
    public bool Has(string key) => _entries.ContainsKey(key);

    /// <summary>The value of <paramref name="key"/>, or null when absent.</summary>
    public SyntaxNode? Get(string key) => _entries.TryGetValue(key, out var e) ? e.Value : null;

    /// <summary>The key node of <paramref name="key"/>, or null when absent.</summary>
    public ScalarNode? KeyNode(string key) => _entries.TryGetValue(key, out var e) ? e.Key : null;

    /// <summary>The value of a required key.</summary>
    public SyntaxNode Require(string key) =>
        Get(key) ?? throw _errors.At(ErrorCodes.MissingKey, Node, $"missing required key '{key}' {In}");

    /// <summary>Dotted path of a key's value.</summary>
    public string PathOf(string key) => Path.Length == 0 ? key : Path + "." + key;

    /// <summary>The present keys among <paramref name="keys"/>, in document order.</summary>
    public List<ScalarNode> Present(params string[] keys)
    {
        var present = new List<ScalarNode>();
        foreach (var entry in Node.Entries)
        {
            if (keys.Contains(entry.Key.Text))
            {
                present.Add(entry.Key);
            }
        }

        return present;
    }
}
