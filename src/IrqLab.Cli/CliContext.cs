namespace IrqLab.Cli;

/// <summary>Where a command writes: stdout for results (JSON or tables), stderr for diagnostics and progress.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr)
{
    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    /// <summary>True when stdout is the real console (not captured by a test).</summary>
    public bool IsConsole => ReferenceEquals(Out, Console.Out);
}
