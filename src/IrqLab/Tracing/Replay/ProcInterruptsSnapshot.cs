namespace IrqLab.Tracing.Replay;

/// <summary>One read of /proc/interrupts: the online CPUs named by the header and the rows in file order.</summary>
/// <param name="Cpus">CPU numbers from the header (<c>CPU%-8d</c> per online CPU; offline CPUs are absent).</param>
/// <param name="Rows">The rows, in file order.</param>
public sealed record ProcInterruptsSnapshot(IReadOnlyList<int> Cpus, IReadOnlyList<ProcInterruptsRow> Rows)
{
    /// <summary>Finds a row by label (<c>LOC</c>, <c>27</c>), or null.</summary>
    /// <param name="row">The label without colon.</param>
    /// <returns>The row, or null.</returns>
    public ProcInterruptsRow? Find(string row)
    {
        foreach (var r in Rows)
        {
            if (string.Equals(r.Row, row, StringComparison.Ordinal))
            {
                return r;
            }
        }

        return null;
    }
}
