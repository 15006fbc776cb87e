namespace IrqLab.Scenarios;

/// <summary>
/// Plain-words reasons for a file that cannot be read or written ("file not found", "'out' is a directory", "no file
/// given"), instead of .NET's messages with parameter names ("(Parameter 'path')") or misleading text ("Access to the
/// path is denied" for a directory). Shared by the scenario loader and the command line.
/// </summary>
public static class FileErrors
{
    /// <summary>
    /// Why <paramref name="path"/> could not be opened, read or written, as told by <paramref name="exception"/> (an
    /// <see cref="IOException"/>, <see cref="UnauthorizedAccessException"/>, <see cref="ArgumentException"/> or
    /// <see cref="NotSupportedException"/> of a file API): no .NET type or parameter names, no stack of paths.
    /// </summary>
    public static string Reason(string? path, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (string.IsNullOrEmpty(path))
        {
            return "no file given";
        }

        if (exception is ArgumentException or NotSupportedException)
        {
            // An embedded NUL character and the like.
            return "not a valid file name";
        }

        if (Directory.Exists(path))
        {
            return $"'{path}' is a directory";
        }

        switch (exception)
        {
            case FileNotFoundException:
                return "file not found";
            case DirectoryNotFoundException:
                var directory = Path.GetDirectoryName(path);
                return $"directory '{(string.IsNullOrEmpty(directory) ? "." : directory)}' does not exist";
            case UnauthorizedAccessException:
                return "permission denied";
        }

        // The OS's text without the " : '/full/path'" that .NET appends on Unix ("No space left on device : '/dev/full'").
        var message = exception.Message;
        var cut = message.LastIndexOf(" : '", StringComparison.Ordinal);
        if (cut > 0 && message.EndsWith('\''))
        {
            message = message[..cut];
        }

        return message.TrimEnd('.', ' ');
    }
}
