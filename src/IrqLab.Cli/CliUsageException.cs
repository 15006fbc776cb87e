namespace IrqLab.Cli;

/// <summary>
/// A bad argument found after parsing (a file that does not exist, a bad --config pair): exit 2, and with --json the
/// SCENARIOS.md §10 error object with <see cref="Code"/> and <see cref="File"/>.
/// </summary>
internal sealed class CliUsageException(string message, string code = CliUsageException.UsageCode, string? file = null) : Exception(message)
{
    /// <summary>The error code of a bad command-line argument (an unknown option, a bad option value, a missing argument).</summary>
    public const string UsageCode = "usage";

    /// <summary>The code of the JSON error object: <see cref="UsageCode"/>, or <c>io</c> for a file that cannot be read or written.</summary>
    public string Code { get; } = code;

    /// <summary>The file the error is about, or null when it is about an argument.</summary>
    public string? File { get; } = file;
}
