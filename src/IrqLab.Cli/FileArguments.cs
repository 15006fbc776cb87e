using System.CommandLine;

namespace IrqLab.Cli;

/// <summary>
/// Shared checks for file arguments and options: an unknown option must not be taken for a file name, and an empty
/// path ("") is a usage error ("no file given") rather than a .NET message about an empty 'path' parameter, and so is
/// '-', which POSIX utilities read as standard input or output and irqlab does not support.
/// </summary>
internal static class FileArguments
{
    private const string UnrecognizedOptionPrefix = "unrecognized option '";

    /// <summary>The word that names standard input or output to POSIX utilities (XBD 12.2, guideline 13).</summary>
    private const string StandardStream = "-";

    /// <summary>The token of an error this class reported for an option-like word in a file argument, or null.</summary>
    public static string? UnrecognizedOption(string message) =>
        message.StartsWith(UnrecognizedOptionPrefix, StringComparison.Ordinal) && message.EndsWith('\'')
            ? message[UnrecognizedOptionPrefix.Length..^1]
            : null;

    /// <summary>
    /// Refuses a word that looks like an option (an unknown one that System.CommandLine passed on as a file name) and an
    /// empty word. A word after <c>--</c> is a file name whatever it starts with (<see cref="CliContext.IsAfterEndOfOptions"/>).
    /// </summary>
    public static T RejectOptionLikeTokens<T>(this T argument, CliContext cli)
        where T : Argument
    {
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.StartsWith('-') && token.Value.Length > 1 && !cli.IsAfterEndOfOptions(token.Value))
                {
                    result.AddError($"{UnrecognizedOptionPrefix}{token.Value}'");
                }
                else if (token.Value.Length == 0)
                {
                    result.AddError($"no file given: the {argument.Name} argument is empty");
                }
                else if (token.Value == StandardStream)
                {
                    // POSIX utility syntax guideline 13: '-' means standard input; read as a file named '-', it was
                    // "file not found".
                    result.AddError($"{argument.Name} '-': reading standard input is not supported; name a file, or /dev/stdin");
                }
            }
        });
        return argument;
    }

    /// <summary>A file-name option: an empty value, or '-' (standard output, not supported), is a usage error naming the option.</summary>
    public static Option<T> RejectEmptyPath<T>(this Option<T> option)
    {
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.Length == 0)
                {
                    result.AddError($"no file given: {option.Name} is empty");
                }
                else if (token.Value == StandardStream)
                {
                    // POSIX utility syntax guideline 13: '-' means standard output; it was written as a file named '-'.
                    result.AddError($"{option.Name} '-': writing standard output is not supported; name a file, or /dev/stdout");
                }
            }
        });
        return option;
    }
}
