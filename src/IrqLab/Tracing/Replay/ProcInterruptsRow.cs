namespace IrqLab.Tracing.Replay;

/// <summary>
/// One /proc/interrupts row (kernel/irq/proc.c <c>show_interrupts</c>, arch/x86/kernel/irq.c <c>arch_show_interrupts</c>).
/// Numbered rows carry chip, hwirq, flow and actions; named rows (<c>LOC</c>, <c>NMI</c>...) carry a description.
/// <c>ERR</c>/<c>MIS</c> have a single global count and nothing else.
/// </summary>
/// <param name="Row">The label without colon: an irq number (<c>17</c>) or a name (<c>LOC</c>).</param>
/// <param name="Counts">Counts in header CPU order; fewer than the CPUs when the row prints fewer (<c>ERR</c>, <c>MIS</c>).</param>
/// <param name="Chip">Irq chip name (<c>IR-IO-APIC</c>, <c>IR-PCI-MSIX-0000:06:00.0</c>), or null.</param>
/// <param name="Hwirq">Hardware irq number text (IO-APIC pin, MSI index), or null.</param>
/// <param name="Actions">Action names joined by <c>", "</c> as printed, or null.</param>
/// <param name="Desc">Description of a named row (<c>Local timer interrupts</c>), or null.</param>
/// <param name="Flow">Flow handler name after the hwirq (<c>edge</c>, <c>fasteoi</c>), or null.</param>
public sealed record ProcInterruptsRow(
    string Row,
    IReadOnlyList<ulong> Counts,
    string? Chip,
    string? Hwirq,
    string? Actions,
    string? Desc,
    string? Flow = null)
{
    /// <summary>True for rows labelled with an irq number.</summary>
    public bool IsNumbered => Row.Length > 0 && char.IsAsciiDigit(Row[0]);

    /// <summary>Sum of <see cref="Counts"/>.</summary>
    public ulong Total
    {
        get
        {
            ulong total = 0;
            foreach (var c in Counts)
            {
                total += c;
            }

            return total;
        }
    }
}
