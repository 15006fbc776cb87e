namespace IrqLab.Scenarios.Syntax;

/// <summary>"Did you mean" suggestions: the closest allowed word by Levenshtein distance (at most 2), or a prefix match.</summary>
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
    private static int Score(string given, string candidate)
    {
        if (given.Length == 0 || string.Equals(given, candidate, StringComparison.Ordinal))
        {
            return int.MaxValue;
        }

        var a = given.ToLowerInvariant();
        var b = candidate.ToLowerInvariant();
        var d = Distance(a, b);
        if (d <= 2 && d < Math.Max(a.Length, b.Length))
        {
            return d;
        }

        // "tpr" for "apic.tpr": the part after the last '.' matches.
        var dot = b.LastIndexOf('.');
        if (dot >= 0 && Distance(a, b[(dot + 1)..]) == 0)
        {
            return 3;
        }

        if (a.Length >= 2 && (b.StartsWith(a, StringComparison.Ordinal) || a.StartsWith(b, StringComparison.Ordinal)))
        {
            return 4 + Math.Abs(a.Length - b.Length);
        }

        return int.MaxValue;
    }

    /// <summary>Levenshtein distance (insert, delete, substitute each cost 1).</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
