using System.Text.Encodings.Web;
using System.Text.Json;
using IrqLab.Tracing;

namespace IrqLab.Simulation.Output;

/// <summary>
/// Writes a <see cref="RunResult"/> as the JSON object of SCENARIOS.md §10, keys in the contract's order, with
/// <see cref="Utf8JsonWriter"/> so a long dispatch log or a large /proc/interrupts streams to the writer's output without
/// building a document (arrays flush every <see cref="JsonWriterExtensions.FlushThreshold"/> bytes).
/// </summary>
public static class RunResultJson
{
    /// <summary>Options shared by every JSON the tool prints: indented, UTF-8 text not escaped beyond JSON's needs.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <paramref name="result"/> to <paramref name="output"/>, followed by a newline.</summary>
    public static void Write(RunResult result, Stream output)
    {
        using (var w = new Utf8JsonWriter(output, WriterOptions))
        {
            Write(result, w);
        }

        output.WriteByte((byte)'\n');
    }

    /// <summary>Writes <paramref name="result"/> as one JSON object.</summary>
    public static void Write(RunResult result, Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("irqlab", 1);
        w.WriteString("scenario", result.Scenario);
        w.WriteNumber("seed", result.Seed);
        WriteKernel(w, result.Kernel);
        w.WriteNumber("time_ns", result.TimeNs);

        w.WriteObjectArray("dispatch", result.Dispatch, static (w, d) =>
        {
            w.WriteNumber("seq", d.Seq);
            w.WriteNumber("t_ns", d.TimeNs);
            w.WriteNumber("cpu", d.Cpu);
            w.WriteString("event", d.Event);
            w.WriteNumber("vector", d.Vector);
            w.WriteString("handler", d.Handler);
            w.WriteString("path", d.Path);
            w.WriteNumber("depth", d.Depth);
            w.WriteNumberOrNull("irq", d.Irq);
            w.WriteStringOrNull("vm", d.Vm);
            w.WriteNumberOrNull("vcpu", d.Vcpu);
        });

        if (result.DispatchTruncated)
        {
            w.WriteBoolean("dispatch_truncated", true);
        }

        w.WriteStartObject("reads");
        foreach (var (name, value) in result.Reads)
        {
            w.WritePropertyName(name);
            WriteReadValue(w, value);
        }

        w.WriteEndObject();

        WriteExpects(w, result.Expects);

        w.WriteStartObject("interrupts");
        w.WriteNumber("cpus", result.Cpus);
        w.WriteObjectArray("rows", result.InterruptRows, static (w, r) =>
        {
            w.WriteString("row", r.Row);
            w.WriteStartArray("counts");
            for (var i = 0; i < r.Counts.Count; i++)
            {
                w.WriteNumberValue(r.Counts[i]);
                if ((i & 1023) == 1023)
                {
                    // A row of 4096 CPUs is about 60 KB of JSON.
                    w.FlushIfFull();
                }
            }

            w.WriteEndArray();
            if (r.Row.Length > 0 && char.IsAsciiDigit(r.Row[0]))
            {
                w.WriteStringOrNull("chip", r.Chip);
                w.WriteStringOrNull("hwirq", r.Hwirq);
                w.WriteStringOrNull("actions", r.Actions);
            }
            else
            {
                w.WriteString("desc", r.Desc ?? string.Empty);
            }
        });
        w.WriteEndObject();

        w.WriteObjectArray("vmexits", result.VmExits, static (w, x) =>
        {
            w.WriteNumber("seq", x.Seq);
            w.WriteNumber("t_ns", x.TimeNs);
            w.WriteString("vm", x.Vm);
            w.WriteNumber("vcpu", x.Vcpu);
            w.WriteNumber("cpu", x.Cpu);
            w.WriteString("reason", x.Reason);
            w.WriteNumberOrNull("vector", x.Vector);
            w.WriteStringOrNull("reinjected_via", x.ReinjectedVia);
        });
        if (result.VmExitsNotKept.Count > 0)
        {
            // Extension keys, present only when the VM-exit bound was reached (docs/simulation.md, "Safety bounds").
            long notKept = 0;
            foreach (var n in result.VmExitsNotKept.Values)
            {
                notKept += n;
            }

            w.WriteBoolean("vmexits_truncated", true);
            w.WriteNumber("vmexits_not_kept", notKept);
        }

        w.WriteObjectArray("messages", result.Messages, static (w, m) =>
        {
            w.WriteNumber("t_ns", m.TimeNs);
            w.WriteNumberOrNull("cpu", m.Cpu >= 0 ? m.Cpu : null);
            w.WriteString("level", m.Level);
            w.WriteString("text", m.Text);
        });
        if (result.MessagesNotKept > 0)
        {
            // Extension keys, present only when the message bound was reached (docs/simulation.md, "Safety bounds").
            w.WriteBoolean("messages_truncated", true);
            w.WriteNumber("messages_not_kept", result.MessagesNotKept);
        }

        w.WriteObjectArray("faults", result.Faults, static (w, f) =>
        {
            w.WriteNumber("t_ns", f.TimeNs);
            w.WriteNumber("cpu", f.Cpu);
            w.WriteString("kind", f.Kind);
        });

        var s = result.Stats;
        w.WriteStartObject("stats");
        w.WriteNumber("events", s.Events);
        w.WriteNumber("handlers", s.Handlers);
        w.WriteNumber("wall_ms", Math.Round(s.WallMs, 3));
        w.WriteNumber("raised", s.Raised);
        w.WriteNumber("delivered", s.Delivered);
        w.WriteNumber("coalesced", s.Coalesced);
        w.WriteNumber("pending", s.Pending);
        w.WriteNumber("masked", s.Masked);
        w.WriteNumber("dropped", s.Dropped);
        w.WriteEndObject();

        w.WriteEndObject();
    }

    /// <summary>Writes the <c>kernel</c> object (shared with <c>irqlab vectors</c>).</summary>
    public static void WriteKernel(Utf8JsonWriter w, KernelInfo k)
    {
        w.WriteStartObject("kernel");
        w.WriteString("mode", k.Mode);
        w.WriteString("version", k.Version);
        w.WriteString("variant", k.Variant);
        w.WriteString("delivery", k.Delivery);
        w.WriteNumber("first_system_vector", k.FirstSystemVector);
        w.WriteNumber("nr_system_vectors", k.NrSystemVectors);
        w.WriteEndObject();
    }

    /// <summary>Writes a read value: a number or an array of vectors.</summary>
    public static void WriteReadValue(Utf8JsonWriter w, ReadValue value)
    {
        if (value.List is null)
        {
            w.WriteNumberValue(value.Scalar);
            return;
        }

        w.WriteStartArray();
        foreach (var v in value.List)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    /// <summary>Writes the error object of SCENARIOS.md §10: <c>{"irqlab": 1, "error": {...}}</c>.</summary>
    public static void WriteError(Stream output, string code, string message, string? file, int? line, int? column)
    {
        using (var w = new Utf8JsonWriter(output, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("irqlab", 1);
            WriteErrorObject(w, code, message, file, line, column);
            w.WriteEndObject();
        }

        output.WriteByte((byte)'\n');
    }

    /// <summary>The <c>"error"</c> member of SCENARIOS.md §10: code, message, file, line, column (null where none applies).</summary>
    public static void WriteErrorObject(Utf8JsonWriter w, string code, string message, string? file, int? line, int? column)
    {
        w.WriteStartObject("error");
        w.WriteString("code", code);
        w.WriteString("message", message);
        w.WriteStringOrNull("file", file);
        w.WriteNumberOrNull("line", line);
        w.WriteNumberOrNull("column", column);
        w.WriteEndObject();
    }

    /// <summary>The <c>"expects"</c> array of SCENARIOS.md §7: each expect step's index, verdict and detail.</summary>
    public static void WriteExpects(Utf8JsonWriter w, IEnumerable<ExpectEntry> expects) =>
        w.WriteObjectArray("expects", expects, static (w, e) =>
        {
            w.WriteNumber("step", e.Step);
            w.WriteBoolean("ok", e.Ok);
            w.WriteString("detail", e.Detail);
        });
}
