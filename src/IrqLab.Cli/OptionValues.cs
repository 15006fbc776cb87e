using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using IrqLab.Scenarios.Syntax;

namespace IrqLab.Cli;

/// <summary>
/// Parsers and validators for option values whose errors read as plain words ("--seed 'abc': expected an unsigned
/// integer ...") instead of System.CommandLine's .NET type names.
/// </summary>
internal static class OptionValues
{
    /// <summary>An optional unsigned 64-bit integer (null when the option is absent).</summary>
    public static Option<ulong?> UInt64(this Option<ulong?> option)
    {
        option.CustomParser = result =>
            result.Tokens.Count > 0 && TryParseInteger(result, 0UL, ulong.MaxValue, "an unsigned integer", out var value) ? value : null;
        return option;
    }

    /// <summary>An optional 64-bit integer of 1 or more (null when the option is absent).</summary>
    public static Option<long?> PositiveInt64(this Option<long?> option)
    {
        option.CustomParser = result =>
            result.Tokens.Count > 0 && TryParseInteger(result, 1L, long.MaxValue, "an integer", out var value) ? value : null;
        return option;
    }

    /// <summary>A 32-bit integer of 0 or more; the option's default value when it is absent.</summary>
    public static Option<int> NonNegativeInt32(this Option<int> option, int defaultValue)
    {
        option.DefaultValueFactory = _ => defaultValue;
        option.CustomParser = result =>
            result.Tokens.Count > 0 && TryParseInteger(result, 0, int.MaxValue, "an integer", out var value) ? value : defaultValue;
        return option;
    }

    /// <summary>
    /// Parses the option's value as an integer from <paramref name="min"/> to <paramref name="max"/>, decimal or
    /// <c>0x</c> hexadecimal (as a scenario's numbers, e.g. <c>seed: 0x1D7F</c>); otherwise adds the error
    /// "--name 'text': expected <paramref name="kind"/> from min to max" and returns false.
    /// </summary>
    private static bool TryParseInteger<T>(ArgumentResult result, T min, T max, string kind, out T value)
        where T : struct, IBinaryInteger<T>
    {
        var text = result.Tokens[0].Value;
        var parsed = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? T.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && value >= T.Zero
            : T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
        if (parsed && value >= min && value <= max)
        {
            return true;
        }

        result.AddError($"{OptionName(result)} '{text}': expected {kind} from {min.ToString(null, CultureInfo.InvariantCulture)} to {max.ToString(null, CultureInfo.InvariantCulture)}");
        return false;
    }

    /// <summary>
    /// Accepts only <paramref name="values"/>, with a one-line error naming the option and, for a near miss, the value meant
    /// (<c>--variant 'rfc2022': expected one of mainline, rfc-2022; did you mean 'rfc-2022'?</c>, as the scenario loader
    /// says for the same value in <c>kernel.variant</c>). Help lists them in the given
    /// order (<c>--kernel &lt;6.1|6.6|6.9|6.10|latest&gt;</c>); the completions alone would be listed sorted as text,
    /// 6.10 before 6.6.
    /// </summary>
    public static Option<string> OneOf(this Option<string> option, params string[] values) =>
        OneOf(option, values, given => Hints.DidYouMean(given, values));

    /// <summary>As <see cref="OneOf(Option{string}, string[])"/> with the option's own hint for a rejected value.</summary>
    public static Option<string> OneOf(this Option<string> option, IReadOnlyList<string> values, Func<string, string> hint)
    {
        option.CompletionSources.Add([.. values]);
        option.HelpName ??= string.Join("|", values);
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (!values.Contains(token.Value, StringComparer.Ordinal))
                {
                    result.AddError($"{option.Name} '{token.Value}': expected one of {string.Join(", ", values)}{hint(token.Value)}");
                }
            }
        });
        return option;
    }

    private static string OptionName(ArgumentResult result) =>
        result.Parent is OptionResult o ? o.Option.Name : result.Argument.Name;
}
