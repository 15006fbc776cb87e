using IrqLab.Scenarios.Model;
using IrqLab.Vectors;

namespace IrqLab.Simulation.Output;

/// <summary>The output's <c>kernel</c> object.</summary>
/// <param name="Mode">linux or bare.</param>
/// <param name="Version">"6.1" ... "latest".</param>
/// <param name="Variant">mainline or rfc-2022.</param>
/// <param name="Delivery">idt or fred.</param>
/// <param name="FirstSystemVector">FIRST_SYSTEM_VECTOR of the layout.</param>
/// <param name="NrSystemVectors">NR_SYSTEM_VECTORS of the layout.</param>
public sealed record KernelInfo(string Mode, string Version, string Variant, string Delivery, int FirstSystemVector, int NrSystemVectors)
{
    /// <summary>The object of a run or of <c>irqlab vectors</c>: the JSON spellings of the choices and the layout's range.</summary>
    internal static KernelInfo Of(KernelMode mode, KernelVersion version, KernelVariant variant, DeliveryKind delivery, VectorLayout layout) => new(
        mode == KernelMode.Linux ? "linux" : "bare",
        version.ToName(),
        variant == KernelVariant.Mainline ? "mainline" : "rfc-2022",
        delivery == DeliveryKind.Fred ? "fred" : "idt",
        layout.FirstSystemVector,
        layout.NrSystemVectors);
}
