namespace IrqLab.Tracing.Replay;

/// <summary>
/// Input to a replay parser was garbled, truncated or inconsistent. The message reads <c>line N: expected ...</c>
/// (or names the /proc/interrupts row); nothing is guessed.
/// </summary>
public sealed class ReplayFormatException : Exception
{
    private readonly string? _detail;

    /// <summary>Creates an exception for <paramref name="line"/> (1-based; 0 when no single line is at fault).</summary>
    /// <param name="line">The 1-based input line, or 0.</param>
    /// <param name="message">What was expected, without the line prefix.</param>
    public ReplayFormatException(int line, string message)
        : base(line > 0 ? $"line {line}: {message}" : message)
    {
        Line = line;
        _detail = message;
    }

    /// <summary>Creates an exception without a line number.</summary>
    public ReplayFormatException()
    {
    }

    /// <summary>Creates an exception without a line number.</summary>
    /// <param name="message">The message.</param>
    public ReplayFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception without a line number, wrapping <paramref name="innerException"/>.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ReplayFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The 1-based line at fault, or 0.</summary>
    public int Line { get; }

    /// <summary>What was expected, without the "line N: " prefix (for callers that print their own file:line).</summary>
    public string Detail => _detail ?? Message;
}
