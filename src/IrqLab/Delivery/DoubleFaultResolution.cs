namespace IrqLab.Delivery;

/// <summary>What happens when an exception is detected while the CPU delivers a prior event (SDM Vol. 3A Table 6-5).</summary>
public enum DoubleFaultResolution
{
    /// <summary>Handle serially: the second exception is delivered, the first is lost (it recurs on re-execution).</summary>
    Serial,

    /// <summary>The two combine into a double fault (#DF, error code 0).</summary>
    DoubleFault,

    /// <summary>The first was #DF: the CPU enters shutdown.</summary>
    TripleFault,
}
