namespace IrqLab.Scenarios.Model;

/// <summary>What a <see cref="DeviceStep"/> does to its device's interrupt.</summary>
public enum LineOp
{
    /// <summary>Assert (MSI: send the message).</summary>
    Raise,

    /// <summary>Deassert.</summary>
    Lower,

    /// <summary>Assert then deassert.</summary>
    Pulse,
}
