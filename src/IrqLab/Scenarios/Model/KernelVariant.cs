namespace IrqLab.Scenarios.Model;

/// <summary><c>kernel.variant</c>.</summary>
public enum KernelVariant
{
    /// <summary>As merged (6.9 <c>entry_fred.c</c>): exactly-typed wrappers.</summary>
    Mainline,

    /// <summary>The Nov 2022 proposal: a table of a two-argument type into which <c>sysvec_*(regs)</c> were cast.</summary>
    Rfc2022,
}
