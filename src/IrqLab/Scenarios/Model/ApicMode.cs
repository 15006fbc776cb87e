namespace IrqLab.Scenarios.Model;

/// <summary><c>machine.apic</c>.</summary>
public enum ApicMode
{
    /// <summary>xAPIC (MMIO at 0xFEE00000).</summary>
    XApic,

    /// <summary>x2APIC (MSRs 0x800-0x8FF).</summary>
    X2Apic,
}
