using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace IrqLab.Tests.Cli;

/// <summary>
/// The shape of the object <c>irqlab run FILE --json</c> prints (SCENARIOS.md §10, docs/cli.md, docs/simulation.md):
/// the keys of every object in the contract's order (the extension keys where the project documents them), the JSON type
/// and nullability of every field, the value sets of the enumerated fields, and the number form (integers only, no
/// exponent, except the one double <c>stats.wall_ms</c>). Shared by <see cref="RunJsonShapeTests"/> and the scenario
/// fuzzers (<c>Fuzz.CheckRunJson</c>).
/// </summary>
internal static partial class RunJsonShape
{
    /// <summary>Top-level keys in order; the optional ones appear only in the documented cases.</summary>
    private static readonly string[] s_top =
    [
        "irqlab", "scenario", "seed", "kernel", "time_ns", "dispatch", "dispatch_truncated", "reads", "expects", "interrupts",
        "vmexits", "vmexits_truncated", "vmexits_not_kept", "messages", "messages_truncated", "messages_not_kept", "faults", "stats",
    ];

    private static readonly HashSet<string> s_optionalTop = ["dispatch_truncated", "vmexits_truncated", "vmexits_not_kept", "messages_truncated", "messages_not_kept"];

    private static readonly string[] s_kernel = ["mode", "version", "variant", "delivery", "first_system_vector", "nr_system_vectors"];
    private static readonly string[] s_dispatch = ["seq", "t_ns", "cpu", "event", "vector", "handler", "path", "depth", "irq", "vm", "vcpu"];
    private static readonly string[] s_numberedRow = ["row", "counts", "chip", "hwirq", "actions"];
    private static readonly string[] s_namedRow = ["row", "counts", "desc"];
    private static readonly string[] s_vmexit = ["seq", "t_ns", "vm", "vcpu", "cpu", "reason", "vector", "reinjected_via"];
    private static readonly string[] s_message = ["t_ns", "cpu", "level", "text"];
    private static readonly string[] s_fault = ["t_ns", "cpu", "kind"];
    private static readonly string[] s_expect = ["step", "ok", "detail"];
    private static readonly string[] s_stats = ["events", "handlers", "wall_ms", "raised", "delivered", "coalesced", "pending", "masked", "dropped"];

    private static readonly HashSet<string> s_events = ["ext_int", "nmi", "hw_exc", "sw_int", "priv_sw_exc", "sw_exc", "other"];
    private static readonly HashSet<string> s_paths = ["sysvec_table", "common_interrupt", "idt_gate", "exception", "nmi"];
    private static readonly HashSet<string> s_levels = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];
    private static readonly HashSet<string> s_faults = ["triple_fault", "machine_check", "cfi_failure", "vmentry_failure"];

    /// <summary>Throws an <see cref="XunitException"/> naming the first field that breaks the shape; <paramref name="context"/> ends the message.</summary>
    public static void Check(string json, string context = "")
    {
        IntegerNumbers(json, context);

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var keys = root.EnumerateObject().Select(p => p.Name).ToList();
        Fail(keys.Count != keys.Distinct(StringComparer.Ordinal).Count(), "a top-level key twice: " + string.Join(", ", keys), context);
        var expected = s_top.Where(k => keys.Contains(k) || !s_optionalTop.Contains(k)).ToArray();
        Fail(!keys.SequenceEqual(expected), $"top-level keys [{string.Join(", ", keys)}], expected [{string.Join(", ", expected)}]", context);

        Fail(root.GetProperty("irqlab").GetInt32() != 1, "irqlab is not 1", context);
        Kind(root, "scenario", JsonValueKind.String, context);
        root.GetProperty("seed").GetUInt64();
        Keys(root.GetProperty("kernel"), s_kernel, "kernel", context);
        var kernel = root.GetProperty("kernel");
        foreach (var k in new[] { "mode", "version", "variant", "delivery" })
        {
            Kind(kernel, k, JsonValueKind.String, context);
        }

        Fail(kernel.GetProperty("mode").GetString() is not ("linux" or "bare"), "kernel.mode", context);
        Fail(kernel.GetProperty("delivery").GetString() is not ("idt" or "fred"), "kernel.delivery", context);
        kernel.GetProperty("first_system_vector").GetInt32();
        kernel.GetProperty("nr_system_vectors").GetInt32();
        root.GetProperty("time_ns").GetInt64();

        var seq = 0L;
        foreach (var d in root.GetProperty("dispatch").EnumerateArray())
        {
            Keys(d, s_dispatch, "dispatch[]", context);
            Fail(d.GetProperty("seq").GetInt64() != seq++, "dispatch[].seq is not 0, 1, 2, ...", context);
            Fail(!s_events.Contains(d.GetProperty("event").GetString()!), "dispatch[].event " + d.GetProperty("event"), context);
            Fail(!s_paths.Contains(d.GetProperty("path").GetString()!), "dispatch[].path " + d.GetProperty("path"), context);
            Kind(d, "handler", JsonValueKind.String, context);
            Fail(d.GetProperty("vector").GetInt32() is < 0 or > 255, "dispatch[].vector outside 0..255", context);
            Fail(d.GetProperty("depth").GetInt32() < 0, "dispatch[].depth below 0", context);
            NumberOrNull(d, "irq", context);
            var vm = d.GetProperty("vm").ValueKind;
            var vcpu = d.GetProperty("vcpu").ValueKind;
            Fail(vm is not (JsonValueKind.Null or JsonValueKind.String), "dispatch[].vm is neither null nor a string", context);
            Fail((vm == JsonValueKind.Null) != (vcpu == JsonValueKind.Null), "dispatch[]: vm and vcpu are not both set or both null", context);
            Fail(vm != JsonValueKind.Null && d.GetProperty("irq").ValueKind != JsonValueKind.Null, "dispatch[]: a guest handler with an irq", context);
        }

        if (root.TryGetProperty("dispatch_truncated", out var truncated))
        {
            Fail(truncated.ValueKind != JsonValueKind.True, "dispatch_truncated present but not true", context);
        }

        foreach (var r in root.GetProperty("reads").EnumerateObject())
        {
            if (r.Value.ValueKind == JsonValueKind.Array)
            {
                var vectors = r.Value.EnumerateArray().Select(v => v.GetInt32()).ToArray();
                Fail(vectors.Any(v => v is < 0 or > 255) || vectors.Zip(vectors.Skip(1)).Any(p => p.First >= p.Second),
                    $"reads.{r.Name} is not a strictly ascending list of vectors", context);
            }
            else
            {
                r.Value.GetUInt64();
            }
        }

        foreach (var e in root.GetProperty("expects").EnumerateArray())
        {
            Keys(e, s_expect, "expects[]", context);
            e.GetProperty("step").GetInt32();
            Fail(e.GetProperty("ok").ValueKind is not (JsonValueKind.True or JsonValueKind.False), "expects[].ok", context);
            Kind(e, "detail", JsonValueKind.String, context);
        }

        var interrupts = root.GetProperty("interrupts");
        Keys(interrupts, ["cpus", "rows"], "interrupts", context);
        var cpus = interrupts.GetProperty("cpus").GetInt32();
        var rows = interrupts.GetProperty("rows");
        Fail(kernel.GetProperty("mode").GetString() == "bare" && rows.GetArrayLength() != 0, "interrupts.rows in bare mode", context);
        foreach (var row in rows.EnumerateArray())
        {
            var label = row.GetProperty("row").GetString()!;
            var numbered = label.Length > 0 && char.IsAsciiDigit(label[0]);
            Keys(row, numbered ? s_numberedRow : s_namedRow, "interrupts.rows[] " + label, context);
            var counts = row.GetProperty("counts").EnumerateArray().Select(c => c.GetUInt64()).Count();
            Fail(counts != cpus && !(counts == 1 && label is "ERR" or "MIS"), $"row {label}: {counts} counts for {cpus} CPUs", context);
            if (numbered)
            {
                Kind(row, "chip", JsonValueKind.String, context);
                StringOrNull(row, "hwirq", context);
                Kind(row, "actions", JsonValueKind.String, context);
            }
            else
            {
                Kind(row, "desc", JsonValueKind.String, context);
            }
        }

        seq = 0;
        foreach (var x in root.GetProperty("vmexits").EnumerateArray())
        {
            Keys(x, s_vmexit, "vmexits[]", context);
            Fail(x.GetProperty("seq").GetInt64() != seq++, "vmexits[].seq is not 0, 1, 2, ...", context);
            Kind(x, "vm", JsonValueKind.String, context);
            x.GetProperty("vcpu").GetInt32();
            var reason = x.GetProperty("reason").GetString()!;
            Fail(!UpperCaseName().IsMatch(reason) || reason.StartsWith("EXIT_REASON_", StringComparison.Ordinal), "vmexits[].reason " + reason, context);
            NumberOrNull(x, "vector", context);
            var via = x.GetProperty("reinjected_via");
            Fail(via.ValueKind != JsonValueKind.Null && via.GetString() is not ("software" or "idt"), "vmexits[].reinjected_via " + via, context);
        }

        // The VM-exit bound's extension keys come together, only when exits were left out (docs/simulation.md, "Safety bounds").
        var exitsTruncated = root.TryGetProperty("vmexits_truncated", out var xt);
        Fail(exitsTruncated != root.TryGetProperty("vmexits_not_kept", out var xn), "vmexits_truncated without vmexits_not_kept or the reverse", context);
        Fail(exitsTruncated && (xt.ValueKind != JsonValueKind.True || xn.GetInt64() <= 0), "vmexits_truncated not true or vmexits_not_kept not positive", context);

        foreach (var msg in root.GetProperty("messages").EnumerateArray())
        {
            Keys(msg, s_message, "messages[]", context);
            NumberOrNull(msg, "cpu", context);
            Fail(!s_levels.Contains(msg.GetProperty("level").GetString()!), "messages[].level " + msg.GetProperty("level"), context);
            Kind(msg, "text", JsonValueKind.String, context);
        }

        foreach (var f in root.GetProperty("faults").EnumerateArray())
        {
            Keys(f, s_fault, "faults[]", context);
            f.GetProperty("cpu").GetInt32();
            Fail(!s_faults.Contains(f.GetProperty("kind").GetString()!), "faults[].kind " + f.GetProperty("kind"), context);
        }

        var stats = root.GetProperty("stats");
        Keys(stats, s_stats, "stats", context);
        foreach (var p in stats.EnumerateObject().Where(p => p.Name != "wall_ms"))
        {
            p.Value.GetInt64();
        }

        Fail(stats.GetProperty("wall_ms").ValueKind != JsonValueKind.Number, "stats.wall_ms is not a number", context);
    }

    private static void Keys(JsonElement e, string[] keys, string what, string context)
    {
        var actual = e.EnumerateObject().Select(p => p.Name).ToArray();
        Fail(!actual.SequenceEqual(keys), $"{what} keys [{string.Join(", ", actual)}], expected [{string.Join(", ", keys)}]", context);
    }

    private static void Kind(JsonElement e, string key, JsonValueKind kind, string context) =>
        Fail(e.GetProperty(key).ValueKind != kind, $"'{key}' is {e.GetProperty(key).ValueKind}, expected {kind}", context);

    private static void NumberOrNull(JsonElement e, string key, string context)
    {
        var v = e.GetProperty(key);
        Fail(v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Number), $"'{key}' is neither null nor a number", context);
        if (v.ValueKind == JsonValueKind.Number)
        {
            v.GetInt64();
        }
    }

    private static void StringOrNull(JsonElement e, string key, string context) =>
        Fail(e.GetProperty(key).ValueKind is not (JsonValueKind.Null or JsonValueKind.String), $"'{key}' is neither null nor a string", context);

    private static void Fail(bool failed, string what, string context)
    {
        if (failed)
        {
            throw new XunitException($"run --json: {what}\n{context}");
        }
    }

    /// <summary>Every number token is an integer (no fraction, no exponent), except the value of <c>wall_ms</c>.</summary>
    private static void IntegerNumbers(string json, string context)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        var property = string.Empty;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                property = reader.GetString()!;
            }
            else if (reader.TokenType == JsonTokenType.Number && property != "wall_ms")
            {
                var token = Encoding.UTF8.GetString(reader.ValueSpan);
                Fail(token.AsSpan().IndexOfAny(".eE") >= 0, $"'{property}' is {token}, not an integer", context);
            }
        }
    }

    [GeneratedRegex("^[A-Z][A-Z0-9_]*$")]
    private static partial Regex UpperCaseName();
}
