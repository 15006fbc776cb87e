namespace IrqLab.Simulation.Output;

/// <summary>One entry of <c>vmexits</c>.</summary>
/// <param name="Seq">Exit number.</param>
/// <param name="TimeNs">Time of the exit.</param>
/// <param name="Vm">VM name.</param>
/// <param name="Vcpu">vCPU index.</param>
/// <param name="Cpu">Host CPU.</param>
/// <param name="Reason">EXIT_REASON_* name without the prefix.</param>
/// <param name="Vector">Vector carried by the exit, or null.</param>
/// <param name="ReinjectedVia">software, idt or null.</param>
public readonly record struct VmExitEntry(long Seq, long TimeNs, string Vm, int Vcpu, int Cpu, string Reason, int? Vector, string? ReinjectedVia);
