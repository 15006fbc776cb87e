using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

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
        {
            if (result.Tokens.Count == 0)
            {
                return null;
            }

            var text = result.Tokens[0].Value;
            if (ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            result.AddError($"{OptionName(result)} '{text}': expected an unsigned integer from 0 to {ulong.MaxValue.ToString(CultureInfo.InvariantCulture)}");
            return null;
        };
        return option;
    }

    /// <summary>An optional 64-bit integer of 1 or more (null when the option is absent).</summary>
    public static Option<long?> PositiveInt64(this Option<long?> option)
    {
        option.CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return null;
            }

            var text = result.Tokens[0].Value;
            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 1)
            {
                return value;
            }

            result.AddError($"{OptionName(result)} '{text}': expected an integer from 1 to {long.MaxValue.ToString(CultureInfo.InvariantCulture)}");
            return null;
        };
        return option;
    }

    /// <summary>A 32-bit integer of 0 or more; the option's default value when it is absent.</summary>
    public static Option<int> NonNegativeInt32(this Option<int> option, int defaultValue)
    {
        option.DefaultValueFactory = _ => defaultValue;
        option.CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return defaultValue;
            }

            var text = result.Tokens[0].Value;
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0)
            {
                return value;
            }

            result.AddError($"{OptionName(result)} '{text}': expected an integer from 0 to {int.MaxValue.ToString(CultureInfo.InvariantCulture)}");
            return defaultValue;
        };
        return option;
    }

    /// <summary>
    /// Accepts only <paramref name="values"/> (listed in help as System.CommandLine's AcceptOnlyFromAmong does), with a
    /// one-line error naming the option.
    /// </summary>
    public static Option<string> OneOf(this Option<string> option, params string[] values)
    {
        option.CompletionSources.Add(values);
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (!values.Contains(token.Value, StringComparer.Ordinal))
                {
                    result.AddError($"{option.Name} '{token.Value}': expected one of {string.Join(", ", values)}");
                }
            }
        });
        return option;
    }

    private static string OptionName(ArgumentResult result) =>
        result.Parent is OptionResult o ? o.Option.Name : result.Argument.Name;
}
