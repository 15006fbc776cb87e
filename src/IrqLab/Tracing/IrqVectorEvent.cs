namespace IrqLab.Tracing;

/// <summary>
/// One <c>irq_vectors:</c> tracepoint pair (x86, <c>arch/x86/include/asm/trace/irq_vectors.h</c>): the
/// <c>sysvec_*</c> handler that fires it, the event base name (<c>&lt;Event&gt;_entry</c>/<c>_exit</c>, format
/// <c>vector=%d</c>), the vector and the /proc/interrupts row the handler counts.
/// </summary>
/// <param name="Handler">The <c>sysvec_*</c> C handler (<c>sysvec_apic_timer_interrupt</c>).</param>
/// <param name="Event">The tracepoint base name (<c>local_timer</c>).</param>
/// <param name="Vector">The vector the handler traces (<c>LOCAL_TIMER_VECTOR</c> = 236).</param>
/// <param name="Row">The /proc/interrupts row the handler increments (<c>LOC</c>).</param>
public sealed record IrqVectorEvent(string Handler, string Event, int Vector, string Row);
