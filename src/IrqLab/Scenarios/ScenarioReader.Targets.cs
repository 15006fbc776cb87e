using System.Globalization;
using IrqLab.Scenarios.Model;
using IrqLab.Scenarios.Syntax;

namespace IrqLab.Scenarios;

/// <summary>Register targets of <c>write</c>, <c>read</c> and register <c>expect</c> (SCENARIOS.md §7).</summary>
internal sealed partial class ScenarioReader
{
    private static readonly string[] s_ioApicRegisters = ["id", "version", "arb", "redir.N", "eoi"];

    /// <summary>The x2APIC MSR range (SDM §11.12.1.2, Table 11-6).</summary>
    private const ulong X2ApicMsrFirst = 0x800;

    private const ulong X2ApicMsrLast = 0x8FF;

    private RegisterRef ReadTarget(MapReader m, bool inHandler)
    {
        if (m.Get("ioapic") is { } ioApicNode)
        {
            if (m.Present("cpu", "msr", "mmio", "port") is { Count: > 0 } extra)
            {
                throw _errors.At(ErrorCodes.Conflict, extra[0], $"{m.Path}: an IOAPIC register is addressed as {{ioapic: I, reg: NAME}}; '{extra[0].Text}' does not apply");
            }

            var ioApic = IoApicIndex(ioApicNode, m.PathOf("ioapic"));
            var regNode = m.Get("reg") ?? throw _errors.At(ErrorCodes.MissingKey, m.Mark, $"missing required key 'reg' {m.In} (IOAPIC register: {string.Join(", ", s_ioApicRegisters)})");
            return new RegisterRef { Kind = RegisterKind.IoApic, IoApic = ioApic, Name = IoApicRegister(regNode, m.PathOf("reg"), ioApic), Mark = m.Mark };
        }

        var forms = m.Present("reg", "msr", "mmio", "port");
        if (forms.Count == 0)
        {
            throw _errors.At(ErrorCodes.MissingKey, m.Mark, $"{m.Path} needs a target: one of reg, msr, mmio, port, ioapic");
        }

        if (forms.Count > 1)
        {
            throw _errors.At(ErrorCodes.Conflict, forms[1], $"{m.Path} has both {forms[0].Text} and {forms[1].Text}; give one target");
        }

        var form = forms[0].Text;
        var node = m.Get(form)!;
        var path = m.PathOf(form);
        if (form == "port")
        {
            if (m.KeyNode("cpu") is { } cpuKey)
            {
                throw _errors.At(ErrorCodes.Conflict, cpuKey, $"{m.Path}: an I/O port is not per CPU; remove cpu");
            }

            return new RegisterRef { Kind = RegisterKind.Port, Address = UInt(node, path, 0, 0xFFFF, hexBounds: true), Mark = m.Mark };
        }

        var cpu = StepCpu(m, inHandler);
        switch (form)
        {
            case "reg":
                var name = String(node, path);
                if (!ApicRegisterNames.All.Contains(name))
                {
                    throw _errors.At(
                        ErrorCodes.UnknownName,
                        node,
                        $"unknown register '{name}' in {path}{Hints.DidYouMean(name, ApicRegisterNames.All)} (allowed: {string.Join(", ", ApicRegisterNames.All)}; or msr, mmio, port, ioapic)");
                }

                if (ApicRegisterNames.IsX2ApicOnly(name))
                {
                    _x2ApicOnly.Add(_errors.At(ErrorCodes.Conflict, node, $"{name} exists only in x2APIC mode, but machine.apic is xapic"));
                }

                return new RegisterRef { Kind = RegisterKind.Named, Cpu = cpu, Name = name, Mark = m.Mark };
            case "msr":
                var msr = UInt(node, path, 0, uint.MaxValue, hexBounds: true);
                if (msr is >= X2ApicMsrFirst and <= X2ApicMsrLast)
                {
                    _x2ApicOnly.Add(_errors.At(
                        ErrorCodes.Conflict,
                        node,
                        $"MSR 0x{msr:X} is an x2APIC register (0x800-0x8FF), but machine.apic is xapic (xAPIC registers are MMIO at 0xFEE00000)"));
                }

                return new RegisterRef { Kind = RegisterKind.Msr, Cpu = cpu, Address = msr, Mark = m.Mark };
            default:
                return new RegisterRef { Kind = RegisterKind.Mmio, Cpu = cpu, Address = UInt(node, path, 0, ulong.MaxValue, hexBounds: true), Mark = m.Mark };
        }
    }

    private int IoApicIndex(SyntaxNode node, string path) =>
        _machine.IoApics.Count == 0
            ? throw _errors.At(ErrorCodes.Range, node, $"{path}: the machine has no IOAPIC (machine.ioapics is empty)")
            : Int(node, path, 0, _machine.IoApics.Count - 1, note: " (an index into machine.ioapics)");

    /// <summary><c>id</c>, <c>version</c>, <c>arb</c>, <c>eoi</c> or <c>redir.N</c> with N below the IOAPIC's pin count.</summary>
    private string IoApicRegister(SyntaxNode node, string path, int ioApic)
    {
        var name = String(node, path);
        if (name is "id" or "version" or "arb" or "eoi")
        {
            return name;
        }

        const string redir = "redir.";
        if (name.StartsWith(redir, StringComparison.Ordinal) && TryParseInteger(name[redir.Length..], out var pin))
        {
            var pins = _machine.IoApics[ioApic].Pins;
            if (pin < 0 || pin >= pins)
            {
                throw _errors.At(ErrorCodes.Range, node, $"{path}: IOAPIC {ioApic} has {pins} pins (redir.0..redir.{pins - 1}), got {name}");
            }

            return redir + ((int)pin).ToString(CultureInfo.InvariantCulture);
        }

        throw _errors.At(
            ErrorCodes.UnknownName,
            node,
            $"unknown IOAPIC register '{name}' in {path}{IoApicRegisterHint(name)} (allowed: {string.Join(", ", s_ioApicRegisters)})");
    }

    /// <summary>
    /// For hints: keep the pin the user wrote, the first run of decimal digits in the name ("redir14", "redirect.14",
    /// "redir[14]" and "redir.14.lo" suggest "redir.14", not "redir.0"); the stem before it is compared with "redir."
    /// when the whole name is not close.
    /// </summary>
    private static string IoApicRegisterHint(string name)
    {
        var start = name.AsSpan().IndexOfAnyInRange('0', '9');
        var length = start < 0 ? 0 : name.AsSpan(start).IndexOfAnyExceptInRange('0', '9');
        if (start >= 0 && length < 0)
        {
            length = name.Length - start;
        }

        var stem = start < 0 ? name : name[..start];
        var pin = start < 0 ? "0" : name.Substring(start, length);
        if (Hints.Suggest(name, s_ioApicRegisters.Select(r => r == "redir.N" ? "redir." + pin : r)) is { } close)
        {
            return $"; did you mean '{close}'?";
        }

        return stem.Length < name.Length && Hints.Suggest(stem, ["redir."]) is not null ? $"; did you mean 'redir.{pin}'?" : string.Empty;
    }

    /// <summary>Width of a register target in bits.</summary>
    private static int WidthOf(RegisterRef target) => target.Kind switch
    {
        RegisterKind.Named => ApicRegisterNames.Is64Bit(target.Name!) ? 64 : 32,
        RegisterKind.Msr => 64,
        RegisterKind.Mmio => 32,
        RegisterKind.Port => 8,
        _ => target.Name!.StartsWith("redir.", StringComparison.Ordinal) ? 64 : 32,
    };

    private static ulong MaxValue(RegisterRef target) => WidthOf(target) == 64 ? ulong.MaxValue : (1UL << WidthOf(target)) - 1;
}
