using IrqLab.Vectors;

namespace IrqLab.Scenarios.Model;

/// <summary>The <c>kernel:</c> section (SCENARIOS.md §3).</summary>
public sealed record KernelSpec
{
    /// <summary>linux or bare.</summary>
    public KernelMode Mode { get; init; } = KernelMode.Linux;

    /// <summary>Selects the system-vector layout.</summary>
    public KernelVersion Version { get; init; } = KernelVersion.Latest;

    /// <summary>mainline or rfc-2022.</summary>
    public KernelVariant Variant { get; init; } = KernelVariant.Mainline;

    /// <summary>idt or fred.</summary>
    public DeliveryKind Delivery { get; init; } = DeliveryKind.Idt;

    /// <summary>kCFI model on.</summary>
    public bool Cfi { get; init; }

    /// <summary>Every Kconfig option with its resolved value (defaults applied).</summary>
    public IReadOnlyDictionary<string, bool> Config { get; init; } = KconfigDefaults.Create();

    /// <summary>Where the section starts.</summary>
    public SourceMark Mark { get; init; }

    /// <summary>
    /// SCENARIOS.md §3 "fred requires version >= 6.9 or variant rfc-2022": why <paramref name="delivery"/> is impossible
    /// for this version and variant ("needs kernel version 6.9 or later or variant rfc-2022 (kernel is 6.1 mainline)"),
    /// or null when it is possible. The one rule behind the scenario loader's <c>conflict</c> and <c>irqlab vectors</c>.
    /// </summary>
    public static string? DeliveryConflict(KernelVersion version, KernelVariant variant, DeliveryKind delivery) =>
        delivery == DeliveryKind.Fred && !version.HasFred() && variant != KernelVariant.Rfc2022
            ? $"needs kernel version 6.9 or later or variant rfc-2022 (kernel is {version.ToName()} mainline)"
            : null;

    /// <summary>True when the option is set (unknown options are false).</summary>
    public bool IsEnabled(string option) => Config.TryGetValue(option, out var on) && on;
}
