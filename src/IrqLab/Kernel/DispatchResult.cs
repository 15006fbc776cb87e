namespace IrqLab.Kernel;

/// <summary>What one kernel entry did.</summary>
/// <param name="Handler">Canonical C handler name (<c>sysvec_apic_timer_interrupt</c>, <c>common_interrupt</c>, <c>exc_page_fault</c>, ...).</param>
/// <param name="Path">How it was reached.</param>
/// <param name="Irq">Linux irq number for a device interrupt, else -1.</param>
/// <param name="CostNs">Simulated time the handlers took (sum of the actions' costs).</param>
/// <param name="Trapped">
/// The entry trapped through UD2 before any handler ran: a kCFI check failed, or the rfc-2022 <c>external_interrupt()</c>'s
/// <c>BUG_ON(vector &lt; FIRST_EXTERNAL_VECTOR)</c> fired. <see cref="Handler"/> is the #UD handler that reported it
/// (<c>exc_invalid_op</c>), which the dispatch log records as the hardware exception it is (vector 6).
/// </param>
/// <param name="FlowEndAtReturn">
/// <c>handle_fasteoi_irq()</c> or <c>handle_level_irq()</c> ran actions that spend time while
/// <see cref="KernelModel.DeferFlowEnd"/> is set: their work after the handlers (the chip EOI, the unmask) is still due;
/// the caller calls <see cref="KernelModel.CompleteFlowEnd"/> for <see cref="Irq"/> when the handler's time has been spent.
/// </param>
public readonly record struct DispatchResult(string Handler, DispatchPath Path, int Irq, long CostNs, bool Trapped, bool FlowEndAtReturn = false);
