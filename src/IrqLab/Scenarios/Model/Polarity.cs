namespace IrqLab.Scenarios.Model;

/// <summary>Pin polarity.</summary>
public enum Polarity
{
    /// <summary>Active high.</summary>
    High,

    /// <summary>Active low.</summary>
    Low,
}
