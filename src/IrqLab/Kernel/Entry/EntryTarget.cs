namespace IrqLab.Kernel.Entry;

/// <summary>The Linux entry target of one event.</summary>
/// <param name="Kind">What kind of target.</param>
/// <param name="Handler">The canonical C name (<c>exc_page_fault</c>, <c>exc_nmi</c>, <c>sysvec_reschedule_ipi</c>,
/// <c>common_interrupt</c>, <c>fred_extint</c>, <c>fred_bad_type</c>...), without <c>asm_</c>/<c>fred_</c> wrapper prefixes.</param>
/// <param name="Vector">The event's vector.</param>
public readonly record struct EntryTarget(EntryTargetKind Kind, string Handler, int Vector);
