namespace IrqLab.Delivery;

/// <summary>What WRMSR to a FRED MSR does with a value.</summary>
public enum FredMsrWriteResult
{
    /// <summary>Accepted.</summary>
    Ok,

    /// <summary>#GP(0): reserved bits set.</summary>
    GpReservedBits,

    /// <summary>#GP(0): the address is not canonical.</summary>
    GpNonCanonical,

    /// <summary>The index is not a FRED MSR handled here.</summary>
    NotFredMsr,
}
