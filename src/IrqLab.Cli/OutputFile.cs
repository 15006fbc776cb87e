using IrqLab.Scenarios;

namespace IrqLab.Cli;

/// <summary>Files the CLI writes (traces, plots): a path that cannot be written is a usage error, not a stack trace.</summary>
internal static class OutputFile
{
    public static FileStream Create(string path)
    {
        try
        {
            return File.Create(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliUsageException($"cannot write '{path}': {FileErrors.Reason(path, e)}", ErrorCodes.Io, path);
        }
    }
}
