using System.Text.Json;
using IrqLab.Simulation.Output;

namespace IrqLab.Cli;

/// <summary>Writes one JSON document to the command's stdout with the project's writer options.</summary>
internal static class CliJson
{
    public static void Write(CliContext cli, Action<Utf8JsonWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, RunResultJson.WriterOptions))
        {
            write(w);
        }

        cli.Out.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }
}
