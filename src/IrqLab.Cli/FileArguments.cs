using System.CommandLine;

namespace IrqLab.Cli;

/// <summary>Shared checks for file arguments: an unknown option must not be taken for a file name.</summary>
internal static class FileArguments
{
    public static T RejectOptionLikeTokens<T>(this T argument)
        where T : Argument
    {
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.StartsWith('-') && token.Value.Length > 1)
                {
                    result.AddError($"unrecognized option '{token.Value}'");
                }
            }
        });
        return argument;
    }
}
