using System.Numerics;
using IrqLab.Kernel.Proc;
using IrqLab.Scenarios.Model;
using IrqLab.Scenarios.Syntax;

namespace IrqLab.Scenarios;

/// <summary>The <c>{expect: ...}</c> steps (SCENARIOS.md §7, second table). The form is chosen by its key.</summary>
internal sealed partial class ScenarioReader
{
    private static readonly string[] s_expectForms = ["read", "reg", "msr", "mmio", "port", "ioapic", "row", "handlers", "message", "fault"];
    private static readonly string[] s_expectKeys =
        ["read", "cpu", "reg", "msr", "mmio", "port", "ioapic", "row", "handlers", "message", "fault", "equals", "at_least", "at_most"];

    private static readonly string[] s_faultKinds = ["triple_fault", "machine_check", "cfi_failure", "vmentry_failure"];

    private ExpectStep ReadExpect(SyntaxNode node, string path)
    {
        var all = Map(node, path, s_expectKeys);
        var forms = all.Present(s_expectForms);
        if (forms.Count == 0)
        {
            throw _errors.At(ErrorCodes.MissingKey, all.Mark, $"{path} needs one of read, reg (or msr, mmio, port, ioapic), row, handlers, message, fault");
        }

        // reg goes with ioapic in the IOAPIC register form.
        var form = forms[0].Text;
        var second = forms.FirstOrDefault(f => f.Text != form && !(form == "ioapic" && f.Text == "reg") && !(form == "reg" && f.Text == "ioapic"));
        if (second is not null)
        {
            throw _errors.At(ErrorCodes.Conflict, second, $"{path} has both {form} and {second.Text}; an expect checks one thing");
        }

        string[] keys = form switch
        {
            "read" => ["read", "equals"],
            "row" => ["row", "cpu", "equals", "at_least", "at_most"],
            "handlers" => ["handlers"],
            "message" => ["message"],
            "fault" => ["fault", "cpu"],
            _ => ["cpu", "reg", "msr", "mmio", "port", "ioapic", "equals"],
        };

        // Re-read with the form's own keys so a stray key gets a precise "allowed" list.
        var m = Map(node, path, keys);
        switch (form)
        {
            case "read":
                var readNode = m.Get("read")!;
                var read = String(readNode, m.PathOf("read"));
                if (!_readNames.TryGetValue(read, out var isList))
                {
                    var known = _readNames.Count == 0 ? "no read step records a value before this step" : "recorded so far: " + string.Join(", ", _readNames.Keys);
                    throw _errors.At(ErrorCodes.UnknownName, readNode, $"unknown read '{read}' in {m.PathOf("read")}{Hints.DidYouMean(read, _readNames.Keys)} ({known})");
                }

                return new ExpectReadStep(read, ExpectedValue(m, isList, $"read '{read}'", _readMax[read], read));
            case "row":
                var rowNode = m.Get("row")!;
                var row = Scalar(rowNode, m.PathOf("row"), "a /proc/interrupts row label").Text;
                if (!ProcInterrupts.IsRowName(row))
                {
                    // A label the model's /proc/interrupts never has (whatever the kernel and config) and not an irq
                    // number; a known row that this kernel does not print fails when the expect is evaluated.
                    throw _errors.At(
                        ErrorCodes.UnknownName,
                        rowNode,
                        $"unknown /proc/interrupts row '{row}' for {m.PathOf("row")}{Hints.DidYouMean(row, ProcInterrupts.ArchLabels)} (expected an irq number or one of: {string.Join(", ", ProcInterrupts.ArchLabels)})");
                }

                var cpu = Cpu(m.Require("cpu"), m.PathOf("cpu"));
                var bounds = m.Present("equals", "at_least", "at_most");
                if (bounds.Count == 0)
                {
                    throw _errors.At(ErrorCodes.MissingKey, m.Mark, $"{path} needs equals, at_least or at_most");
                }

                if (m.Has("equals") && bounds.Count > 1)
                {
                    var other = bounds.First(b => b.Text != "equals");
                    throw _errors.At(ErrorCodes.Conflict, other, $"{path} has equals and {other.Text}; use equals alone or at_least/at_most");
                }

                var atLeast = Count(m, "at_least");
                var atMost = Count(m, "at_most");
                if (atLeast > atMost)
                {
                    throw _errors.At(ErrorCodes.Conflict, m.Get("at_most")!, $"{path} has at_least {atLeast} above at_most {atMost}; no count is both");
                }

                return new ExpectRowStep(row, cpu, Count(m, "equals"), atLeast, atMost);
            case "handlers":
                var handlers = List(m.Get("handlers")!, m.PathOf("handlers"));
                var names = new List<string>(handlers.Count);
                for (var i = 0; i < handlers.Count; i++)
                {
                    names.Add(BareHandlerName(String(handlers[i], $"{m.PathOf("handlers")}[{i}]")));
                }

                return new ExpectHandlersStep(names);
            case "message":
                return new ExpectMessageStep(String(m.Get("message")!, m.PathOf("message")));
            case "fault":
                var fault = Word(m.Get("fault")!, m.PathOf("fault"), "fault kind", [.. s_faultKinds.Select(k => (k, k))]);
                return new ExpectFaultStep(fault, m.Get("cpu") is { } faultCpu ? Cpu(faultCpu, m.PathOf("cpu")) : null);
            default:
                var target = ReadTarget(m, inHandler: false);
                bool? list = target.Kind == RegisterKind.Named ? ApicRegisterNames.ReadsAsList(target.Name!) : false;
                return new ExpectRegisterStep(target, ExpectedValue(m, list, target.Name ?? "the register", MaxValue(target)));
        }
    }

    private ulong? Count(MapReader m, string key) =>
        m.Get(key) is { } node ? UInt(node, m.PathOf(key), 0, ulong.MaxValue) : null;

    /// <summary>
    /// <c>equals</c>: a number up to <paramref name="max"/> (the register's width, the widest of the registers read as
    /// <paramref name="readName"/>: a wider value can never be read), or
    /// for list-valued registers a list of vectors in ascending order without repeats, as the register reads (SCENARIOS.md
    /// §7: a JSON array of the set vector numbers, ascending); null <paramref name="isList"/> = either.
    /// </summary>
    private ExpectValue ExpectedValue(MapReader m, bool? isList, string what, ulong max, string? readName = null)
    {
        var node = m.Require("equals");
        var path = m.PathOf("equals");
        if (node is SequenceNode seq)
        {
            if (isList == false)
            {
                throw _errors.At(ErrorCodes.Type, node, $"expected a number for {path} ({what} is a single value), got a list");
            }

            var values = new List<ulong>(seq.Items.Count);
            for (var i = 0; i < seq.Items.Count; i++)
            {
                if (i > 0 && values[i - 1] == 255)
                {
                    throw _errors.At(ErrorCodes.Range, seq.Items[i], $"{path}[{i}] follows vector 255, the last one (vectors ascending, each once, as the register reads)");
                }

                var low = i == 0 ? 0 : values[i - 1] + 1;
                var order = i == 0 ? null : " (vectors ascending, each once, as the register reads)";
                values.Add(UInt(seq.Items[i], $"{path}[{i}]", low, 255, note: order));
            }

            return new ExpectValue { List = values };
        }

        if (isList == true)
        {
            throw _errors.At(ErrorCodes.Type, node, $"expected a list of vectors like [65] for {path} ({what} reads as the list of set vectors), got {node.Describe()}");
        }

        var narrow = max != ulong.MaxValue;
        var width = narrow ? $" ({(readName is null ? string.Empty : $"the register read as '{readName}' is ")}{BitOperations.Log2(max + 1)}-bit{(readName is null ? " register" : string.Empty)})" : null;
        return new ExpectValue { Scalar = UInt(node, path, 0, max, hexBounds: narrow, note: width) };
    }

    /// <summary>
    /// A bare handler's name as the output writes it (SCENARIOS.md §6: <c>vector_0x</c> and two lowercase hex digits):
    /// <c>vector_0x4F</c> or <c>VECTOR_0X4f</c> name the same vector as <c>vector_0x4f</c>, so an expect written with
    /// uppercase hex is compared as that; every other name (Linux's <c>sysvec_*</c>, <c>exc_*</c>, ...) stays exact.
    /// </summary>
    private static string BareHandlerName(string name) =>
        name.Length == 11 && name.StartsWith("vector_0x", StringComparison.OrdinalIgnoreCase) && char.IsAsciiHexDigit(name[9]) && char.IsAsciiHexDigit(name[10])
            ? "vector_0x" + name[9..].ToLowerInvariant()
            : name;
}
