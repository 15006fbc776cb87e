namespace IrqLab.Tracing.Replay;

/// <summary>The order in which x86 <c>arch_show_interrupts</c> prints the named rows (shared/reference/trace-formats.md §4.1).</summary>
internal static class ProcInterruptsRows
{
    public static readonly string[] NamedRowOrder =
    [
        "NMI", "LOC", "SPU", "PMI", "IWI", "RTR", "PLT", "RES", "CAL", "TLB", "TRM", "THR", "DFR", "MCE", "MCP",
        "HYP", "HRE", "HVS", "ERR", "MIS", "PIN", "NPI", "PIW", "PMN", "VPMI",
    ];
}
