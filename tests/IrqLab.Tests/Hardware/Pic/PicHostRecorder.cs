using IrqLab.Hardware.Pic;

namespace IrqLab.Tests.Hardware.Pic;

/// <summary>Records the master INT output changes.</summary>
public sealed class PicHostRecorder : IPicHost
{
    public List<bool> Changes { get; } = [];

    public void IntrChanged(bool asserted) => Changes.Add(asserted);
}
