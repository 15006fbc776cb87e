using System.Diagnostics.CodeAnalysis;

namespace IrqLab.Vectors;

/// <summary>Names of <see cref="KernelVersion"/> values as scenarios and the JSON output spell them.</summary>
public static class KernelVersions
{
    /// <summary>The spellings accepted in <c>kernel.version</c>, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["6.1", "6.6", "6.9", "6.10", "latest"];

    /// <summary>The output spelling of a version ("6.10", "latest").</summary>
    public static string ToName(this KernelVersion version) => version switch
    {
        KernelVersion.V6_1 => "6.1",
        KernelVersion.V6_6 => "6.6",
        KernelVersion.V6_9 => "6.9",
        KernelVersion.V6_10 => "6.10",
        KernelVersion.Latest => "latest",
        _ => throw new ArgumentOutOfRangeException(nameof(version)),
    };

    /// <summary>Parses "6.1", "6.6", "6.9", "6.10" or "latest".</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out KernelVersion? version)
    {
        version = text switch
        {
            "6.1" => KernelVersion.V6_1,
            "6.6" => KernelVersion.V6_6,
            "6.9" => KernelVersion.V6_9,
            "6.10" => KernelVersion.V6_10,
            "latest" => KernelVersion.Latest,
            _ => null,
        };
        return version is not null;
    }

    /// <summary>
    /// The hint for a version that is not one of <see cref="Names"/> but names one: a leading <c>v</c>, another case or a
    /// stable release of it (<c>v6.1</c>, <c>6.1.55</c>, <c>LATEST</c>) gives <c>; did you mean '6.1'?</c>; anything else,
    /// such as <c>6.11</c>, gives no hint (an edit-distance guess would offer 6.1 for it).
    /// </summary>
    public static string DidYouMean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        if (t.StartsWith('v'))
        {
            t = t[1..];
        }

        foreach (var name in Names)
        {
            if (t == name || t.StartsWith(name + ".", StringComparison.Ordinal))
            {
                return $"; did you mean '{name}'?";
            }
        }

        return string.Empty;
    }

    /// <summary>True when the version has FRED support merged (6.9 and later).</summary>
    public static bool HasFred(this KernelVersion version) => version >= KernelVersion.V6_9;
}
