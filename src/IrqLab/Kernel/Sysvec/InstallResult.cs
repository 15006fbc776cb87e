namespace IrqLab.Kernel.Sysvec;

/// <summary>Outcome of a runtime system-vector install.</summary>
/// <param name="Installed">True when the slot now holds the handler.</param>
/// <param name="Refusal">Why not, when refused.</param>
/// <param name="Message">The WARN-style log line written for a refusal, else null.</param>
public readonly record struct InstallResult(bool Installed, InstallRefusal Refusal, string? Message);
