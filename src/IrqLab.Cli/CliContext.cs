namespace IrqLab.Cli;

/// <summary>Where a command writes: stdout for results (JSON or tables), stderr for diagnostics and progress.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr)
{
    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    /// <summary>The command line's words, as given.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>
    /// True when <paramref name="word"/> comes after the first <c>--</c> of the command line, which ends the options: the
    /// words after it are operands (file names) even when they start with '-' (POSIX.1-2017 XBD 12.2, Utility Syntax
    /// Guideline 10).
    /// </summary>
    public bool IsAfterEndOfOptions(string word)
    {
        var args = Args as string[] ?? [.. Args];
        var end = Array.IndexOf(args, "--");
        return end >= 0 && Array.LastIndexOf(args, word) > end;
    }

    /// <summary>True when stdout is the real console (not captured by a test).</summary>
    public bool IsConsole => ReferenceEquals(Out, Console.Out);
}
