using System.Globalization;

namespace IrqLab.Scenarios;

/// <summary>
/// A scenario file that cannot be read or does not follow SCENARIOS.md. <see cref="Exception.Message"/> reads
/// <c>FILE:LINE:COLUMN: error: what was expected</c> (line and column 1-based, pointing at the offending key or value;
/// <c>FILE: error: ...</c> when there is no position, as for a missing file).
/// </summary>
public sealed class ScenarioException : Exception
{
    /// <summary>Creates the error and formats its message.</summary>
    /// <param name="code">The stable error kind (see <see cref="Code"/>).</param>
    /// <param name="file">The file name as given.</param>
    /// <param name="line">1-based line, or 0 when there is no position.</param>
    /// <param name="column">1-based column, or 0 when there is no position.</param>
    /// <param name="detail">What was wrong and what was expected.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public ScenarioException(string code, string file, int line, int column, string detail, Exception? inner = null)
        : base(Format(file, line, column, detail), inner)
    {
        Code = code;
        File = file;
        Line = line;
        Column = column;
        Detail = detail;
    }

    /// <summary>
    /// Machine-readable kind: <c>syntax</c>, <c>unknown_key</c>, <c>type</c>, <c>range</c>, <c>missing_key</c>,
    /// <c>unknown_name</c>, <c>duplicate</c>, <c>conflict</c> or <c>io</c>.
    /// </summary>
    public string Code { get; }

    /// <summary>The file name as given to the loader.</summary>
    public string File { get; }

    /// <summary>1-based line of the offending key or value (0 when there is none).</summary>
    public int Line { get; }

    /// <summary>1-based column of the offending key or value (0 when there is none).</summary>
    public int Column { get; }

    /// <summary>The message without the <c>FILE:LINE:COLUMN: error: </c> prefix.</summary>
    public string Detail { get; }

    private static string Format(string file, int line, int column, string detail) =>
        line > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{file}:{line}:{column}: error: {detail}")
            : $"{file}: error: {detail}";
}
