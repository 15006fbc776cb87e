namespace IrqLab.Simulation.Output;

/// <summary>One handler entry of the output's <c>dispatch</c> list (SCENARIOS.md §10).</summary>
/// <param name="Seq">Order in which handlers started.</param>
/// <param name="TimeNs">Simulated time of entry.</param>
/// <param name="Cpu">Host CPU.</param>
/// <param name="Event">FRED event type name: ext_int, nmi, hw_exc, sw_int, priv_sw_exc, sw_exc, other.</param>
/// <param name="Vector">Vector.</param>
/// <param name="Handler">Canonical handler name.</param>
/// <param name="Path">sysvec_table, common_interrupt, idt_gate, exception or nmi.</param>
/// <param name="Depth">Nesting level, 0 = not nested.</param>
/// <param name="Irq">Linux irq number for device interrupts.</param>
/// <param name="Vm">VM name for guest handlers.</param>
/// <param name="Vcpu">vCPU index for guest handlers.</param>
public readonly record struct DispatchEntry(
    long Seq, long TimeNs, int Cpu, string Event, int Vector, string Handler, string Path, int Depth, int? Irq, string? Vm, int? Vcpu);
