namespace IrqLab.Scenarios.Model;

/// <summary><c>kernel.mode</c>.</summary>
public enum KernelMode
{
    /// <summary>The Linux model dispatches (default).</summary>
    Linux,

    /// <summary>No OS: handlers come from the scenario's <c>handlers:</c>.</summary>
    Bare,
}
