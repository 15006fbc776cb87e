namespace IrqLab.Scenarios.Model;

/// <summary>Arrival pattern of a device workload.</summary>
public enum ArrivalPattern
{
    /// <summary>Exponential inter-arrival times.</summary>
    Poisson,

    /// <summary>Fixed period.</summary>
    Periodic,

    /// <summary>N back-to-back raises every period.</summary>
    Burst,
}
