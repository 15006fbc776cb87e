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

    /// <summary>True when the option is set (unknown options are false).</summary>
    public bool IsEnabled(string option) => Config.TryGetValue(option, out var on) && on;
}
