using IrqLab.Scenarios.Model;
using IrqLab.Vectors;

namespace IrqLab.Kernel;

/// <summary>Everything the Linux model is built from.</summary>
/// <param name="Version">Kernel version (vector layout, message texts, /proc format).</param>
/// <param name="Variant">mainline or rfc-2022 system-vector table.</param>
/// <param name="Delivery">IDT or FRED (decides which install function the WARN texts name, and whether 0x80 is reserved).</param>
/// <param name="Cfi">kCFI model on.</param>
/// <param name="Config">Kconfig options (missing ones are off).</param>
/// <param name="Cpus">Number of online CPUs.</param>
/// <param name="IoApicPins">Pins per IO-APIC, in order; empty = none.</param>
/// <param name="HasPic">An 8259 pair is present.</param>
public sealed record KernelOptions(
    KernelVersion Version,
    KernelVariant Variant,
    DeliveryKind Delivery,
    bool Cfi,
    IReadOnlyDictionary<string, bool> Config,
    int Cpus,
    IReadOnlyList<int> IoApicPins,
    bool HasPic)
{
    /// <summary>True when the Kconfig option is set.</summary>
    public bool IsEnabled(string option) => Config.TryGetValue(option, out var on) && on;
}
