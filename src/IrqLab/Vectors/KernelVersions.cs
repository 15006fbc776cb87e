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

    /// <summary>True when the version has FRED support merged (6.9 and later).</summary>
    public static bool HasFred(this KernelVersion version) => version >= KernelVersion.V6_9;
}
