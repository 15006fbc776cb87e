namespace IrqLab.Scenarios.Model;

/// <summary>How an <c>ipi</c> step names its destination.</summary>
public enum IpiTargetKind
{
    /// <summary>A CPU number (physical destination = its APIC ID).</summary>
    Cpu,

    /// <summary>Shorthand self.</summary>
    Self,

    /// <summary>Shorthand all including self.</summary>
    All,

    /// <summary>Shorthand all excluding self.</summary>
    AllButSelf,

    /// <summary>Logical destination <c>{logical: mask}</c>.</summary>
    Logical,

    /// <summary>Raw physical destination <c>{physical: id}</c>.</summary>
    Physical,
}
