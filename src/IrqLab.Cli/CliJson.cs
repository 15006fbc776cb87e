using System.Text;
using System.Text.Json;
using IrqLab.Simulation.Output;

namespace IrqLab.Cli;

/// <summary>
/// Writes one JSON document to the command's stdout with the project's writer options, streamed: the writer's bytes go
/// to stdout in 64 KiB pieces (<see cref="IrqLab.Tracing.JsonWriterExtensions.FlushIfFull"/>) and the document is never
/// held in memory, whatever its size (a 4096-CPU /proc/interrupts is hundreds of megabytes).
/// </summary>
internal static class CliJson
{
    public static void Write(CliContext cli, Action<Utf8JsonWriter> write)
    {
        cli.Out.Flush();
        using (var output = OpenOut(cli))
        {
            using (var w = new Utf8JsonWriter(output, RunResultJson.WriterOptions))
            {
                write(w);
            }

            output.Write(Encoding.UTF8.GetBytes(cli.Out.NewLine));
        }
    }

    /// <summary>
    /// The real stdout as a buffered byte stream (JSON is UTF-8), or, when stdout is a writer given to
    /// <see cref="CliApp.Run"/> (a test), a stream that decodes the bytes into it.
    /// </summary>
    private static Stream OpenOut(CliContext cli) =>
        cli.IsConsole
            ? new BufferedStream(Console.OpenStandardOutput(), 64 * 1024)
            : new TextWriterStream(cli.Out);

    /// <summary>A write-only stream that decodes UTF-8 into a <see cref="TextWriter"/>.</summary>
    private sealed class TextWriterStream(TextWriter writer) : WriteOnlyStream
    {
        private readonly Decoder _decoder = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
        private char[] _chars = [];

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var needed = _decoder.GetCharCount(buffer, flush: false);
            if (_chars.Length < needed)
            {
                _chars = new char[needed];
            }

            var n = _decoder.GetChars(buffer, _chars, flush: false);
            writer.Write(_chars, 0, n);
        }

        public override void Flush() => writer.Flush();
    }
}
