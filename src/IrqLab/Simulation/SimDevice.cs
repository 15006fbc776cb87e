using IrqLab.Hardware;
using IrqLab.Hardware.Msi;
using IrqLab.Scenarios.Model;

namespace IrqLab.Simulation;

/// <summary>A device of the scenario as the machine wires it: a line on an IOAPIC pin / ISA IRQ, or an MSI/MSI-X table.</summary>
internal sealed class SimDevice
{
    public SimDevice(int index, DeviceSpec spec)
    {
        Index = index;
        Spec = spec;
    }

    public int Index { get; }

    public DeviceSpec Spec { get; }

    public string Name => Spec.Name;

    /// <summary>The device currently asserts its line.</summary>
    public bool Asserted;

    /// <summary>IOAPIC index of the line, or -1.</summary>
    public int IoApic = -1;

    /// <summary>IOAPIC pin of the line, or -1.</summary>
    public int Pin = -1;

    /// <summary>8259 IRQ of the line, or -1.</summary>
    public int PicIrq = -1;

    public TriggerMode Trigger = TriggerMode.Edge;

    public bool ActiveLow;

    /// <summary>MSI or MSI-X messages (both kept in a table; plain MSI has no per-vector mask in the model).</summary>
    public MsiXTable? Msi;

    public bool IsMessageSignalled => Msi is not null;

    /// <summary>Linux could not set up its interrupt (no vector): its raises go nowhere.</summary>
    public bool Unbound;
}
