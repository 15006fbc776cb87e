namespace IrqLab.Scenarios.Model;

/// <summary>The bare-mode handler action <c>eoi</c>: write 0 to the local APIC EOI register.</summary>
public sealed record EoiStep : Step;
