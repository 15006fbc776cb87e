using System.Buffers;
using System.Text;
using System.Text.Unicode;
using IrqLab.Scenarios.Model;
using IrqLab.Scenarios.Syntax;

namespace IrqLab.Scenarios;

/// <summary>
/// Reads scenario files (SCENARIOS.md §1-§9) into a validated <see cref="Scenario"/>. Every error is a
/// <see cref="ScenarioException"/> naming file, line, column and what was expected.
/// </summary>
public static class ScenarioLoader
{
    /// <summary>
    /// The largest scenario file read, 64 MiB (a scenario is a few KiB; a generated one with tens of thousands of steps a
    /// few MiB). A file that does not end, a character device such as <c>/dev/zero</c> or a FIFO that keeps writing, was
    /// read into memory until the process ran out of it (an internal error, exit 70).
    /// </summary>
    public const int MaxFileBytes = 64 << 20;

    /// <summary>Reads and validates the file at <paramref name="path"/> (<c>.json</c> as JSON, anything else as YAML).</summary>
    /// <exception cref="ScenarioException">
    /// The file cannot be read or is larger than <see cref="MaxFileBytes"/> (code <c>io</c>), or is not a valid scenario.
    /// </exception>
    public static Scenario Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[]? bytes;
        try
        {
            bytes = ReadAtMost(path, MaxFileBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ScenarioException(ErrorCodes.Io, path, 0, 0, FileErrors.Reason(path, ex), ex);
        }

        if (bytes is null)
        {
            throw new ScenarioException(ErrorCodes.Io, path, 0, 0, $"the file is larger than {MaxFileBytes >> 20} MiB; a scenario is a few KiB (is it a device or a pipe that does not end?)");
        }

        return Parse(Decode(bytes, IsJson(path), new ErrorFactory(path)), path);
    }

    /// <summary>The bytes of <paramref name="path"/>, or null when it holds more than <paramref name="limit"/> (read no further).</summary>
    private static byte[]? ReadAtMost(string path, int limit)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        using var bytes = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            if (bytes.Length + n > limit)
            {
                return null;
            }

            bytes.Write(chunk, 0, n);
        }

        return bytes.ToArray();
    }

    /// <summary>
    /// The text of a scenario file: UTF-8 (a byte-order mark is skipped), or UTF-16/UTF-32 when the file starts with
    /// their byte-order mark or, without one, with an ASCII character whose NUL bytes tell the encoding (YAML 1.2 §5.2,
    /// whose table of first bytes is matched in its order). Bytes that are not valid in the encoding are a
    /// <c>syntax</c> error at their line and column instead of being replaced with U+FFFD; the line counts line breaks
    /// as the file's reader does (YAML 1.2 §5.4: CR LF, LF or a lone CR; JSON: LF, as System.Text.Json counts them).
    /// </summary>
    private static string Decode(byte[] bytes, bool json, ErrorFactory errors)
    {
        ReadOnlySpan<byte> b = bytes;
        Encoding? wide = b switch
        {
            [0x00, 0x00, 0xFE, 0xFF, ..] => new UTF32Encoding(bigEndian: true, byteOrderMark: true, throwOnInvalidCharacters: true),
            [0x00, 0x00, 0x00, _, ..] => new UTF32Encoding(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true),
            [0xFF, 0xFE, 0x00, 0x00, ..] => new UTF32Encoding(bigEndian: false, byteOrderMark: true, throwOnInvalidCharacters: true),
            [_, 0x00, 0x00, 0x00, ..] => new UTF32Encoding(bigEndian: false, byteOrderMark: false, throwOnInvalidCharacters: true),
            [0xFE, 0xFF, ..] => new UnicodeEncoding(bigEndian: true, byteOrderMark: true, throwOnInvalidBytes: true),
            [0x00, _, ..] => new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true),
            [0xFF, 0xFE, ..] => new UnicodeEncoding(bigEndian: false, byteOrderMark: true, throwOnInvalidBytes: true),
            [_, 0x00, ..] => new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true),
            _ => null,
        };
        if (wide is not null)
        {
            var bom = wide.Preamble.Length;
            try
            {
                return wide.GetString(bytes, bom, bytes.Length - bom);
            }
            catch (DecoderFallbackException ex)
            {
                var how = bom > 0 ? $"starts with a {wide.WebName} byte-order mark" : $"is {wide.WebName} (the NUL bytes around its first character say so)";
                throw errors.At(ErrorCodes.Syntax, new SourceMark(1, 1), $"the file {how} but is not valid {wide.WebName}: {ex.Message.TrimEnd('.')}", ex);
            }
        }

        if (b is [0xEF, 0xBB, 0xBF, ..])
        {
            b = b[3..];
        }

        var chars = new char[b.Length];
        var status = Utf8.ToUtf16(b, chars, out var read, out var written, replaceInvalidSequences: false);
        if (status == OperationStatus.Done)
        {
            return new string(chars, 0, written);
        }

        // The valid prefix locates the first bad byte: the line is one more than the line breaks before it, the column
        // one more than the characters since the last one (columns count characters, as the YAML and JSON readers do).
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < read; i++)
        {
            if (b[i] == (byte)'\n' || (!json && b[i] == (byte)'\r' && b[i + 1] != (byte)'\n'))
            {
                line++;
                lineStart = i + 1;
            }
        }

        var column = Encoding.UTF8.GetCharCount(b[lineStart..read]) + 1;
        throw errors.At(
            ErrorCodes.Syntax,
            new SourceMark(line, column),
            $"the file is not valid UTF-8: byte 0x{b[read]:X2} does not start or continue a UTF-8 sequence here (save the file as UTF-8)");
    }

    /// <summary>A <c>.json</c> file (any case) is read as JSON, any other as YAML.</summary>
    private static bool IsJson(string fileName) => fileName.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Validates scenario <paramref name="text"/>; <paramref name="fileName"/> names it in errors and selects the format
    /// (<c>.json</c> is read as JSON, anything else as YAML).
    /// </summary>
    /// <exception cref="ScenarioException">The text is not a valid scenario.</exception>
    public static Scenario Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var errors = new ErrorFactory(fileName);
        text = text.TrimStart('\uFEFF');
        if (IsJson(fileName))
        {
            return ScenarioReader.Build(JsonTreeReader.Read(text, errors), errors);
        }

        var root = YamlTreeReader.Read(text, errors, out var pendingDuplicate);
        var scenario = ScenarioReader.Build(root, errors);
        return pendingDuplicate is null ? scenario : throw pendingDuplicate;
    }
}
