using IrqLab.Scenarios.Model;
using IrqLab.Simulation.Output;

namespace IrqLab.Simulation;

/// <summary>The expect steps of SCENARIOS.md §7, evaluated when <c>irqlab check</c> (or run) reaches them.</summary>
internal sealed partial class Machine
{
    private ExpectEntry Evaluate(int index, ExpectStep e)
    {
        var line = e.Mark.Line;
        switch (e)
        {
            case ExpectReadStep r:
                {
                    var found = _readIndex.TryGetValue(r.Read, out var at) ? _reads[at].Value : null;
                    if (found is null)
                    {
                        return new ExpectEntry(index, false, $"no read recorded as '{r.Read}'", line);
                    }

                    var ok = Matches(found, r.EqualsValue);
                    return new ExpectEntry(index, ok, $"read {r.Read}: expected {r.EqualsValue}, got {found}", line);
                }

            case ExpectRegisterStep g:
                {
                    var value = Read(null, g.Target, instruction: false);
                    var ok = Matches(value, g.EqualsValue);
                    return new ExpectEntry(index, ok, $"{Describe(g.Target)}: expected {g.EqualsValue}, got {value}", line);
                }

            case ExpectRowStep row:
                {
                    // SCENARIOS.md §7/§10: the expect reads a /proc/interrupts count, and only rows the kernel prints exist;
                    // a row this kernel and config do not print (or an irq nobody requested) fails rather than reading 0.
                    var absent = _kernel is null
                        ? $"row {row.Row} is not in /proc/interrupts: bare mode has no kernel"
                        : _kernel.ProcInterrupts.WhyAbsent(row.Row);
                    if (absent is not null)
                    {
                        return new ExpectEntry(index, false, absent, line);
                    }

                    var count = _kernel!.ProcInterrupts.Count(row.Row, row.Cpu);
                    var ok = (row.EqualsValue is null || count == row.EqualsValue)
                        && (row.AtLeast is null || count >= row.AtLeast)
                        && (row.AtMost is null || count <= row.AtMost);
                    var want = row.EqualsValue is { } eq ? $"= {eq}" : string.Join(" and ",
                        new[] { row.AtLeast is { } lo ? $">= {lo}" : null, row.AtMost is { } hi ? $"<= {hi}" : null }.Where(s => s is not null));
                    return new ExpectEntry(index, ok, $"row {row.Row} cpu {row.Cpu}: expected {want}, got {count}", line);
                }

            case ExpectHandlersStep h:
                {
                    var got = _handlersSinceExpect.ToList();
                    _handlersSinceExpect.Clear();
                    var ok = got.SequenceEqual(h.Handlers, StringComparer.Ordinal);
                    return new ExpectEntry(index, ok, $"handlers: expected [{string.Join(", ", h.Handlers)}], got [{string.Join(", ", got.Take(50))}{(got.Count > 50 ? ", ..." : string.Empty)}]", line);
                }

            case ExpectMessageStep m:
                {
                    var ok = _messages.Any(x => x.Text.Contains(m.Text, StringComparison.Ordinal))
                        || _unkeptMessageTexts.Any(x => x.Contains(m.Text, StringComparison.Ordinal));
                    return new ExpectEntry(index, ok, ok ? $"message containing \"{m.Text}\" found" : $"no kernel message contains \"{m.Text}\"", line);
                }

            case ExpectFaultStep f:
                {
                    var ok = _faults.Any(x => x.Kind == f.Fault && (f.Cpu is null || x.Cpu == f.Cpu));
                    var where = f.Cpu is { } cpu ? $" on cpu {cpu}" : string.Empty;
                    return new ExpectEntry(index, ok, ok ? $"fault {f.Fault}{where} recorded" : $"no fault {f.Fault}{where} (recorded: [{string.Join(", ", _faults.Select(x => $"{x.Kind}@cpu{x.Cpu}"))}])", line);
                }

            default:
                throw new InvalidOperationException("unknown expectation");
        }
    }

    /// <summary>
    /// The target of a register expect as the scenario wrote it, for the detail text: <c>cpu 1 apic.tpr</c>,
    /// <c>cpu 0 msr 0x1b</c>, <c>cpu 0 mmio 0xfee00020</c>, <c>port 0x21</c>, <c>ioapic 0 redir.2</c>
    /// (ports and IOAPIC registers belong to no CPU).
    /// </summary>
    private static string Describe(RegisterRef t) => t.Kind switch
    {
        RegisterKind.Msr => $"cpu {t.Cpu ?? 0} msr 0x{t.Address:x}",
        RegisterKind.Mmio => $"cpu {t.Cpu ?? 0} mmio 0x{t.Address:x}",
        RegisterKind.Port => $"port 0x{t.Address:x}",
        RegisterKind.IoApic => $"ioapic {t.IoApic} {t.Name}",
        _ => $"cpu {t.Cpu ?? 0} {t.Name}",
    };

    private static bool Matches(ReadValue value, ExpectValue expected)
    {
        if (expected.List is { } list)
        {
            return value.List is { } got && got.Count == list.Count && got.Select(v => (ulong)v).SequenceEqual(list);
        }

        // A number never equals a vector list, [65] no more than []: the JSON `reads` tells them apart, and equals is a
        // list for apic.isr/.tmr/.irr reads (docs/scenario-loader.md). Only a name read from both kinds of register
        // can meet the other shape here.
        return value.List is null && value.Scalar == expected.Scalar;
    }
}
