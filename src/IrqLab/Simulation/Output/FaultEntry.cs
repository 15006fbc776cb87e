namespace IrqLab.Simulation.Output;

/// <summary>One entry of <c>faults</c>: triple_fault, machine_check, cfi_failure, vmentry_failure.</summary>
/// <param name="TimeNs">When.</param>
/// <param name="Cpu">Which CPU.</param>
/// <param name="Kind">The fault kind.</param>
public readonly record struct FaultEntry(long TimeNs, int Cpu, string Kind);
