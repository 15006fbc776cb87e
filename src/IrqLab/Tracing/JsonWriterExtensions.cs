using System.Text.Json;

namespace IrqLab.Tracing;

/// <summary>Small helpers every JSON writer of the project shares: a property that is a value or <c>null</c>.</summary>
public static class JsonWriterExtensions
{
    /// <summary>Bytes a writer may hold before <see cref="FlushIfFull"/> passes them to its output.</summary>
    public const int FlushThreshold = 64 * 1024;

    /// <summary>
    /// Passes the pending bytes to the writer's output once they reach <see cref="FlushThreshold"/>: a writer over a stream
    /// otherwise holds the whole document in memory until it is flushed or disposed.
    /// </summary>
    public static void FlushIfFull(this Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (writer.BytesPending >= FlushThreshold)
        {
            writer.Flush();
        }
    }

    /// <summary>Writes <paramref name="name"/> as the number, or as <c>null</c> when there is none.</summary>
    public static void WriteNumberOrNull(this Utf8JsonWriter writer, string name, long? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>Writes <paramref name="name"/> as the string, or as <c>null</c> when there is none.</summary>
    public static void WriteStringOrNull(this Utf8JsonWriter writer, string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>
    /// Writes <paramref name="name"/> as an array with one object per item, filled by <paramref name="writeFields"/>; the
    /// array streams to the writer's output (<see cref="FlushIfFull"/> after each item).
    /// </summary>
    public static void WriteObjectArray<T>(this Utf8JsonWriter writer, string name, IEnumerable<T> items, Action<Utf8JsonWriter, T> writeFields)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(writeFields);
        writer.WriteStartArray(name);
        foreach (var item in items)
        {
            writer.WriteStartObject();
            writeFields(writer, item);
            writer.WriteEndObject();
            writer.FlushIfFull();
        }

        writer.WriteEndArray();
    }
}
