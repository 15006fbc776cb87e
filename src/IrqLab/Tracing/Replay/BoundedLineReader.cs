using System.Text;

namespace IrqLab.Tracing.Replay;

/// <summary>
/// The lines of a replay input, each at most <see cref="MaxLineChars"/> characters: a longer one is a
/// <see cref="ReplayFormatException"/> at its line. <see cref="StreamReader.ReadLine"/> keeps reading a line that does
/// not end (<c>/dev/zero</c>, a binary file without line breaks) until the process runs out of memory, an internal
/// error (exit 70) instead of bad input. Lines end as <see cref="TextReader.ReadLine"/>'s do: at LF, CR or CR LF.
/// </summary>
internal sealed class BoundedLineReader(TextReader inner) : TextReader
{
    /// <summary>
    /// 1 Mi characters: the longest line of either format is a /proc/interrupts row, 11 characters a CPU (<c>%10u </c>),
    /// under 100,000 for the 8192 CPUs of CONFIG_NR_CPUS's largest value; an ftrace event line is a few hundred.
    /// </summary>
    public const int MaxLineChars = 1 << 20;

    private readonly char[] _buffer = new char[64 * 1024];
    private readonly StringBuilder _line = new();
    private int _position;
    private int _length;
    private int _lineNumber;
    private bool _skipLineFeed;

    public override string? ReadLine()
    {
        _line.Clear();
        var any = false;
        while (true)
        {
            if (_position == _length)
            {
                _length = inner.Read(_buffer, 0, _buffer.Length);
                _position = 0;
                if (_length == 0)
                {
                    _skipLineFeed = false;
                    if (!any)
                    {
                        return null;
                    }

                    _lineNumber++;
                    return _line.ToString();
                }
            }

            if (_skipLineFeed)
            {
                _skipLineFeed = false;
                if (_buffer[_position] == '\n')
                {
                    _position++;
                    continue;
                }
            }

            any = true;
            var rest = _buffer.AsSpan(_position, _length - _position);
            var end = rest.IndexOfAny('\n', '\r');
            var take = end < 0 ? rest.Length : end;
            if (_line.Length + take > MaxLineChars)
            {
                throw new ReplayFormatException(_lineNumber + 1, $"the line is longer than {MaxLineChars} characters; expected an ftrace capture or a /proc/interrupts snapshot (text lines)");
            }

            _line.Append(rest[..take]);
            _position += take;
            if (end >= 0)
            {
                _skipLineFeed = _buffer[_position] == '\r';
                _position++;
                _lineNumber++;
                return _line.ToString();
            }
        }
    }

    public override int Peek() => throw new NotSupportedException("BoundedLineReader reads lines only");

    public override int Read() => throw new NotSupportedException("BoundedLineReader reads lines only");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
