namespace IrqLab.Scenarios.Syntax;

/// <summary>"Did you mean" suggestions: the closest allowed word by edit distance (at most 2), a dotted suffix, or a common prefix.</summary>
internal static class Hints
{
    /// <summary>The best suggestion for <paramref name="given"/> among <paramref name="allowed"/>, or null when none is close.</summary>
    public static string? Suggest(string given, IEnumerable<string> allowed)
    {
        string? best = null;
        var bestScore = int.MaxValue;
        foreach (var candidate in allowed)
        {
            var score = Score(given, candidate);
            if (score < bestScore)
            {
                best = candidate;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>Formats <c>; did you mean 'x'?</c> or the empty string.</summary>
    public static string DidYouMean(string given, IEnumerable<string> allowed) =>
        Suggest(given, allowed) is { } s ? $"; did you mean '{s}'?" : string.Empty;

    // Lower is better; int.MaxValue = not a suggestion. Case differences count as no edit.
    // Tier 0: edit distance within the threshold; tier 1: the part after the last '.' matches ("tpr" -> "apic.tpr");
    // tier 2: a long common prefix ("apic_timer" -> "apic_timer_hz"), the longer the better.
    private static int Score(string given, string candidate)
    {
        if (given.Length == 0 || string.Equals(given, candidate, StringComparison.Ordinal))
        {
            return int.MaxValue;
        }

        var a = given.ToLowerInvariant();
        var b = candidate.ToLowerInvariant();
        var d = Distance(a, b);
        if (d <= MaxDistance(a.Length))
        {
            return d;
        }

        var dot = b.LastIndexOf('.');
        if (dot >= 0 && string.Equals(a, b[(dot + 1)..], StringComparison.Ordinal))
        {
            return 100;
        }

        var common = 0;
        while (common < a.Length && common < b.Length && a[common] == b[common])
        {
            common++;
        }

        return common >= 2 && (common == Math.Min(a.Length, b.Length) || 2 * common >= Math.Max(a.Length, b.Length))
            ? 1000 - common
            : int.MaxValue;
    }

    /// <summary>At most 2 edits, and only 1 for words of up to 4 letters (so 'nmi' does not suggest 'ipi').</summary>
    private static int MaxDistance(int length) => length <= 4 ? 1 : 2;

    /// <summary>
    /// Levenshtein distance with adjacent transpositions (optimal string alignment): insert, delete, substitute and
    /// swap of two neighbours each cost 1, so "nmae" is 1 from "name".
    /// </summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
