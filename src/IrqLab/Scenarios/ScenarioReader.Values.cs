using System.Globalization;
using System.Numerics;
using IrqLab.Scenarios.Model;
using IrqLab.Scenarios.Syntax;
using IrqLab.Vectors;

namespace IrqLab.Scenarios;

/// <summary>Scalar conversions (SCENARIOS.md §1): integers, durations, rates, booleans, names.</summary>
internal sealed partial class ScenarioReader
{
    private static readonly BigInteger s_nsPerSecond = 1_000_000_000;

    private MapReader Map(SyntaxNode node, string path, IReadOnlyList<string> allowed)
    {
        if (node is ScalarNode { IsNull: true })
        {
            return new MapReader(new MappingNode(node.Mark, []), path, allowed, _errors);
        }

        return node is MappingNode map
            ? new MapReader(map, path, allowed, _errors)
            : throw _errors.At(ErrorCodes.Type, node, $"expected a mapping for {Name(path)}, got {node.Describe()}");
    }

    private List<SyntaxNode> List(SyntaxNode node, string path) => node switch
    {
        ScalarNode { IsNull: true } => [],
        SequenceNode seq => seq.Items,
        _ => throw _errors.At(ErrorCodes.Type, node, $"expected a list for {Name(path)}, got {node.Describe()}"),
    };

    private ScalarNode Scalar(SyntaxNode node, string path, string expected) =>
        node is ScalarNode { IsNull: false } s
            ? s
            : throw _errors.At(ErrorCodes.Type, node, $"expected {expected} for {Name(path)}, got {node.Describe()}");

    private string String(SyntaxNode node, string path)
    {
        var s = Scalar(node, path, "a string");
        return s.Text.Length > 0 ? s.Text : throw _errors.At(ErrorCodes.Type, node, $"expected a non-empty string for {Name(path)}");
    }

    /// <summary>
    /// A plain <c>true</c> or <c>false</c>, in any of the spellings of YAML 1.2's core schema (<c>True</c>, <c>TRUE</c>,
    /// ...; YAML 1.2.2 §10.3.2), as <see cref="ScalarNode.IsNull"/> reads <c>Null</c> and <c>NULL</c>. A quoted scalar
    /// is a string, and <c>yes</c>/<c>on</c> (YAML 1.1 only) are strings in YAML 1.2. JSON has only <c>true</c>/<c>false</c>.
    /// </summary>
    private bool Bool(SyntaxNode node, string path)
    {
        var s = Scalar(node, path, "true or false");
        return !s.Quoted && s.Text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE"
            ? s.Text[0] is 't' or 'T'
            : throw _errors.At(ErrorCodes.Type, node, $"expected true or false for {Name(path)}, got {s.Describe()}");
    }

    /// <summary>An unsigned integer in <paramref name="min"/>..<paramref name="max"/>, decimal or 0x hex.</summary>
    private ulong UInt(SyntaxNode node, string path, ulong min, ulong max, bool hexBounds = false, string? note = null)
    {
        var s = Scalar(node, path, "an integer");
        if (!TryParseNumber(s.Text, out var value))
        {
            throw _errors.At(ErrorCodes.Type, node, $"expected an integer (decimal or 0x hex) for {Name(path)}, got {s.Describe()}");
        }

        if (value < min || value > max)
        {
            throw _errors.At(ErrorCodes.Range, node, $"{Name(path)} must be {Bound(min, hexBounds)}..{Bound(max, hexBounds)}{note}, got {s.Shown}");
        }

        return (ulong)value;
    }

    private int Int(SyntaxNode node, string path, int min, int max, bool hexBounds = false, string? note = null) =>
        (int)UInt(node, path, (ulong)min, (ulong)max, hexBounds, note);

    private static string Bound(ulong value, bool hex) =>
        hex ? "0x" + value.ToString("X", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Decimal (optionally negative) or 0x hex, of any size.</summary>
    internal static bool TryParseInteger(string text, out BigInteger value)
    {
        value = BigInteger.Zero;
        if (text.Length > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        {
            for (var i = 2; i < text.Length; i++)
            {
                var digit = HexDigit(text[i]);
                if (digit < 0)
                {
                    return false;
                }

                value = (value << 4) + digit;
            }

            return true;
        }

        var negative = text.StartsWith('-');
        var start = negative ? 1 : 0;
        if (text.Length == start)
        {
            return false;
        }

        for (var i = start; i < text.Length; i++)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                return false;
            }

            value = (value * 10) + (text[i] - '0');
        }

        if (negative)
        {
            value = -value;
        }

        return true;
    }

    /// <summary>
    /// A scalar's integer: <see cref="TryParseInteger"/>, or a decimal with a leading <c>+</c>, which YAML 1.2's core
    /// schema reads as an integer (<c>[-+]?[0-9]+</c>, YAML 1.2.2 §10.3.2; a hex number takes no sign there).
    /// </summary>
    private static bool TryParseNumber(string text, out BigInteger value)
    {
        if (text.Length > 1 && text[0] == '+')
        {
            value = BigInteger.Zero;
            return !text.AsSpan(1).ContainsAnyExceptInRange('0', '9') && TryParseInteger(text[1..], out value);
        }

        return TryParseInteger(text, out value);
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>
    /// A duration: a string with a unit (<c>ns</c>, <c>us</c>, <c>ms</c>, <c>s</c>; decimal fractions allowed as
    /// long as the result is a whole number of ns) or an unquoted integer meaning nanoseconds. <paramref name="alsoWord"/>
    /// names a word the key also takes (<c>idle</c> for <c>run.until</c>), for the error message.
    /// </summary>
    private long Duration(SyntaxNode node, string path, long min = 0, string? alsoWord = null)
    {
        var s = Scalar(node, path, "a duration");
        var text = s.Text.Trim();
        BigInteger ns;
        if (!s.Quoted && TryParseNumber(text, out var bare))
        {
            ns = bare;
        }
        else if (TrySplitUnit(text, out var number, out var unit) && UnitNs(unit) is { } scale
            && TryParseDecimal(number, out var mantissa, out var exponent, maxExponent: int.MaxValue))
        {
            // The fraction is in lowest terms (trailing zeros dropped), so more than 9 decimals is never a whole number of
            // ns, not even in seconds; checked first, so a long fraction costs no large power of ten.
            var scaled = mantissa * scale;
            if (exponent > 9 || !(scaled % BigInteger.Pow(10, exponent)).IsZero)
            {
                throw _errors.At(ErrorCodes.Range, node, $"{Name(path)} must be a whole number of nanoseconds, got {s.Shown}");
            }

            ns = scaled / BigInteger.Pow(10, exponent);
        }
        else
        {
            // In decimal: a unit takes a decimal number (0x10ns is no duration) and JSON has no unquoted hex.
            var hint = s.Quoted && TryParseInteger(text, out var quoted)
                ? $" (write {quoted.ToString(CultureInfo.InvariantCulture)}ns, or {quoted.ToString(CultureInfo.InvariantCulture)} unquoted for nanoseconds)"
                : string.Empty;
            throw _errors.At(
                ErrorCodes.Type,
                node,
                $"expected a duration with a unit (ns, us, ms, s), like '2.5us', or an integer of nanoseconds{(alsoWord is null ? string.Empty : $", or {alsoWord},")} for {Name(path)}, got {s.Describe()}{hint}");
        }

        if (ns < min || ns > long.MaxValue)
        {
            throw _errors.At(ErrorCodes.Range, node, $"{Name(path)} must be {min}..{long.MaxValue} ns, got {s.Shown}");
        }

        return (long)ns;
    }

    private static bool TrySplitUnit(string text, out string number, out string unit)
    {
        var i = text.Length;
        while (i > 0 && char.IsAsciiLetterLower(text[i - 1]))
        {
            i--;
        }

        number = text[..i].TrimEnd();
        unit = text[i..];
        return number.Length > 0 && unit.Length > 0;
    }

    private static BigInteger? UnitNs(string unit) => unit switch
    {
        "ns" => BigInteger.One,
        "us" => new BigInteger(1_000),
        "ms" => new BigInteger(1_000_000),
        "s" => s_nsPerSecond,
        _ => null,
    };

    // A mantissa above every range a duration or rate can have (TryParseDecimal's MaxDigits integer digits).
    private static readonly BigInteger s_pinnedMantissa = BigInteger.Pow(10, 41);

    /// <summary>
    /// "-12.50" -> mantissa -125, exponent 1: the value in lowest terms, trailing zeros of the fraction dropped (they
    /// change nothing, so "1.000000000000000000000000000000000ms" is 1 ms). No exponent notation, no hex. False when
    /// more than <paramref name="maxExponent"/> decimals remain.
    /// </summary>
    private static bool TryParseDecimal(string text, out BigInteger mantissa, out int exponent, int maxExponent = 30)
    {
        mantissa = BigInteger.Zero;
        exponent = 0;
        var negative = text.StartsWith('-');
        var i = negative ? 1 : 0;
        var digits = 0;
        var seenPoint = false;

        // Zeros after the point not taken into the mantissa yet: they count only when a nonzero digit follows.
        var zeros = 0;

        // Past MaxDigits integer digits or MaxFraction decimals the value is out of range (or not a whole number of ns)
        // for every caller: the mantissa stops growing there (an integer part is pinned above any range), so a file of
        // digits costs linear time, not a BigInteger product per digit.
        const int MaxDigits = 40;
        const int MaxFraction = 64;
        var integerDigits = 0;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.' && !seenPoint)
            {
                seenPoint = true;
                continue;
            }

            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            digits++;
            if (!seenPoint)
            {
                if (integerDigits > 0 || c != '0')
                {
                    integerDigits++;
                }

                mantissa = integerDigits <= MaxDigits ? (mantissa * 10) + (c - '0') : s_pinnedMantissa;
            }
            else if (c == '0')
            {
                zeros++;
            }
            else if (exponent + zeros + 1 > MaxFraction || integerDigits > MaxDigits)
            {
                // Too many decimals to matter: only the exponent is kept (it tells the callers the value is refused).
                exponent = Math.Min(exponent + zeros + 1, int.MaxValue - 1);
                zeros = 0;
            }
            else
            {
                mantissa = (mantissa * BigInteger.Pow(10, zeros + 1)) + (c - '0');
                exponent += zeros + 1;
                zeros = 0;
            }
        }

        if (negative)
        {
            mantissa = -mantissa;
        }

        return digits > 0 && exponent <= maxExponent;
    }

    /// <summary>
    /// A rate <c>"N/s"</c> or <c>"N/ms"</c> (N may have a decimal fraction), as events per second, greater than 0 and at
    /// most <see cref="MaxRatePerSecond"/>: one event per nanosecond, the resolution of the simulated clock (a higher
    /// rate cannot be kept).
    /// </summary>
    private double Rate(SyntaxNode node, string path)
    {
        var s = Scalar(node, path, "a rate");
        var text = s.Text.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0
            || !TryParseDecimal(text[..slash].Trim(), out var mantissa, out var exponent)
            || text[(slash + 1)..].Trim() is not ("s" or "ms"))
        {
            throw _errors.At(ErrorCodes.Type, node, $"expected a rate like '1000/s' or '5/ms' for {Name(path)}, got {s.Describe()}");
        }

        var factor = text[(slash + 1)..].Trim() == "ms" ? 1000.0 : 1.0;
        var perSecond = (double)mantissa / Math.Pow(10, exponent) * factor;
        if (!(perSecond > 0 && double.IsFinite(perSecond)))
        {
            throw _errors.At(ErrorCodes.Range, node, $"{Name(path)} must be a rate above 0, got {s.Shown}");
        }

        return perSecond <= MaxRatePerSecond
            ? perSecond
            : throw _errors.At(ErrorCodes.Range, node, $"{Name(path)} must be at most 1000000000/s (one per ns, the resolution of the simulated clock), got {s.Shown}");
    }

    /// <summary>The highest rate a workload can ask for: one event per nanosecond.</summary>
    private const double MaxRatePerSecond = 1e9;

    /// <summary>One of a fixed set of words (exact spelling).</summary>
    private T Word<T>(SyntaxNode node, string path, string what, params (string Name, T Value)[] options)
    {
        var s = Scalar(node, path, what);
        foreach (var (name, value) in options)
        {
            if (string.Equals(s.Text, name, StringComparison.Ordinal))
            {
                return value;
            }
        }

        var names = options.Select(o => o.Name).ToArray();
        throw _errors.At(
            ErrorCodes.UnknownName,
            node,
            $"unknown {what} '{s.Text}' for {Name(path)}{Hints.DidYouMean(s.Text, names)} (expected one of: {string.Join(", ", names)})");
    }

    /// <summary>A CPU number that exists (0..machine.cpus-1).</summary>
    private int Cpu(SyntaxNode node, string path) =>
        Int(node, path, 0, _machine.Cpus - 1, note: $" (machine.cpus is {_machine.Cpus})");

    /// <summary>Lowest vector the local APIC accepts for fixed delivery (SDM Vol. 3A 11.5.2: 0-15 are illegal).</summary>
    private const int FirstApicVector = 16;

    /// <summary>
    /// A vector <paramref name="min"/>..255, as a number or a vector constant name of the selected kernel version;
    /// <paramref name="note"/> follows the range in the error.
    /// </summary>
    private int Vector(SyntaxNode node, string path, int min = 0, string? note = null)
    {
        var s = Scalar(node, path, "a vector");
        if (TryParseNumber(s.Text, out _))
        {
            return Int(node, path, min, 255, note: note);
        }

        if (s.Text.Length > 0 && (char.IsAsciiLetter(s.Text[0]) || s.Text[0] == '_'))
        {
            if (_layout.FindByName(s.Text) is { } info)
            {
                return NamedVector(node, path, s.Text, info.Vector, min, note);
            }

            foreach (var (name, vector) in ExtraVectorNames)
            {
                if (name == s.Text)
                {
                    return NamedVector(node, path, name, vector, min, note);
                }
            }

            // The other names `irqlab vectors` prints (SCENARIOS.md §11): trapnr.h's X86_TRAP_* and ISA_IRQ_VECTOR(n).
            if (ExceptionTable.FindByTrapName(s.Text) is { } trap)
            {
                return NamedVector(node, path, s.Text, trap.Vector, min, note);
            }

            if (VectorSpace.TryParseIsaIrqVectorName(s.Text, out var isa))
            {
                return NamedVector(node, path, s.Text, isa, min, note);
            }

            var known = _layout.VectorNames.Concat(ExtraVectorNames.Select(e => e.Name)).ToArray();
            var hints = known.Concat(ExceptionTable.All.Where(e => e.TrapName is not null).Select(e => e.TrapName!)).ToArray();
            throw _errors.At(
                ErrorCodes.UnknownName,
                node,
                $"unknown vector name '{s.Text}' for {Name(path)} in kernel {_kernel.Version.ToName()}{Hints.DidYouMean(s.Text, hints)} (known: {string.Join(", ", known)}, the exception names X86_TRAP_DE..X86_TRAP_VC and ISA_IRQ_VECTOR(0)..ISA_IRQ_VECTOR(15))");
        }

        throw _errors.At(ErrorCodes.Type, node, $"expected a vector 0..255 or a vector name like RESCHEDULE_VECTOR for {Name(path)}, got {s.Describe()}");
    }

    private int NamedVector(SyntaxNode node, string path, string name, int vector, int min, string? note) =>
        vector >= min
            ? vector
            : throw _errors.At(ErrorCodes.Range, node, $"{Name(path)} must be {min}..255{note}, got {name} ({vector})");

    /// <summary>Vector constants outside the system-vector range (<c>irq_vectors.h</c>, <c>trapnr.h</c>).</summary>
    private static readonly (string Name, int Vector)[] ExtraVectorNames =
    [
        ("NMI_VECTOR", VectorSpace.NmiVector),
        ("FIRST_EXTERNAL_VECTOR", VectorSpace.FirstExternalVector),
        ("IA32_SYSCALL_VECTOR", VectorSpace.Ia32SyscallVector),
    ];

    private static string Name(string path) => path.Length == 0 ? "the scenario" : path;
}
