using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CsCheck;
using IrqLab.Cli;
using IrqLab.Simulation.Output;
using IrqLab.Tests.Cli;
using Xunit;
using Xunit.Sdk;

namespace IrqLab.Tests.Robustness;

/// <summary>Seeded fuzz loops with CsCheck shrinking of a failure, and the CLI checks shared by the scenario fuzzers.</summary>
internal static partial class Fuzz
{
    /// <summary>Wall-clock bound of one CLI run; a run that takes longer is reported as a hang.</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(20);

    private static readonly string[] s_runKeys =
        ["irqlab", "scenario", "seed", "kernel", "time_ns", "dispatch", "reads", "interrupts", "vmexits", "messages", "faults", "stats"];

    private static readonly string[] s_kernelKeys = ["mode", "version", "variant", "delivery", "first_system_vector", "nr_system_vectors"];

    private static readonly string[] s_dispatchKeys = ["seq", "t_ns", "cpu", "event", "vector", "handler", "path", "depth", "irq", "vm", "vcpu"];

    private static readonly string[] s_statsKeys = ["events", "handlers", "wall_ms", "raised", "delivered", "coalesced", "pending", "masked", "dropped"];

    /// <summary>
    /// Runs <paramref name="check"/> on <paramref name="iterations"/> values generated from PCG seeds derived from
    /// <paramref name="seed"/> (deterministic). On a failure, CsCheck restarts from the failing seed and shrinks; the
    /// thrown message holds the seed and the printed (shrunk) value.
    /// </summary>
    public static void Run<T>(Gen<T> gen, ulong seed, int iterations, Action<T> check, Func<T, string>? print = null)
    {
        print ??= v => v?.ToString() ?? "null";
        (seed, iterations) = Soak(seed, iterations);
        for (var i = 0; i < iterations; i++)
        {
            var pcg = new PCG(7, seed + (ulong)i);
            var seedText = pcg.ToString();
            var value = gen.Generate(pcg, null!, out _);
            try
            {
                check(value);
            }
            catch (Exception first)
            {
                string shrunk;
                try
                {
                    gen.Sample(check, seed: seedText, iter: 300, time: 30, threads: 1, print: print);
                    shrunk = "(the shrinker did not reproduce it)";
                }
                catch (Exception e)
                {
                    shrunk = e.Message;
                }

                throw new XunitException(
                    $"fuzz failure at iteration {i}, CsCheck seed {seedText} (base seed {seed}).\n" +
                    $"first failure: {first.GetType().Name}: {first.Message}\ninput: {print(value)}\n\nshrunk: {shrunk}");
            }
        }
    }

    /// <summary>
    /// Soak runs outside CI: IRQLAB_FUZZ_SCALE multiplies the iteration count and IRQLAB_FUZZ_SEED selects fresh inputs
    /// without editing the CI counts (docs/reliability.md).
    /// </summary>
    public static (ulong Seed, int Iterations) Soak(ulong seed, int iterations) =>
        Soak(seed, iterations, Environment.GetEnvironmentVariable("IRQLAB_FUZZ_SEED"), Environment.GetEnvironmentVariable("IRQLAB_FUZZ_SCALE"));

    /// <summary>
    /// <see cref="Soak(ulong, int)"/> on the two variables' texts. The seed offset n moves the base seed by n·2^32, so
    /// iteration i draws PCG seed base + i + n·2^32: every iteration count fits in 2^31, so two offsets below 2^32 never
    /// draw the same input. (Adding n itself made offsets 8000001 and 8000002 draw the same inputs but one, shifted by
    /// one iteration.)
    /// </summary>
    internal static (ulong Seed, int Iterations) Soak(ulong seed, int iterations, string? seedText, string? scaleText)
    {
        if (ulong.TryParse(seedText, out var offset))
        {
            seed += offset << 32;
        }

        if (double.TryParse(scaleText, System.Globalization.CultureInfo.InvariantCulture, out var scale) && scale > 0)
        {
            iterations = Math.Max(1, (int)(iterations * scale));
        }

        return (seed, iterations);
    }

    /// <summary>Runs the CLI in-process on a background thread, failing with the scenario text if it outlives <see cref="RunTimeout"/>.</summary>
    public static (int Exit, string Out, string Err) Cli(string yamlForMessage, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var task = Task.Run(() => CliApp.Run(args, stdout, stderr));
        if (!task.Wait(RunTimeout))
        {
            throw new XunitException($"'irqlab {string.Join(' ', args)}' did not finish in {RunTimeout.TotalSeconds}s (hang)\n{yamlForMessage}");
        }

        return (task.Result, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Checks exit 0 → the §10 run object (with conservation) or exit 2 → the §10 error object; returns the exit code.</summary>
    public static int CheckRunOutcome(string text, (int Exit, string Out, string Err) r)
    {
        if (r.Exit == 0)
        {
            CheckRunJson(r.Out, text);
            return 0;
        }

        if (r.Exit == 2)
        {
            CheckErrorJson(r.Out, r.Err, text);
            return 2;
        }

        throw new XunitException($"exit {r.Exit} (only 0 or 2 allowed)\nstderr: {r.Err}\n{text}");
    }

    /// <summary>The §10 run object: every key, every dispatch entry's keys, and the conservation identity of stats.</summary>
    public static void CheckRunJson(string json, string text)
    {
        // Every field's key order, type, nullability and value set (SCENARIOS.md §10).
        RunJsonShape.Check(json, text);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Keys(root, s_runKeys, text, "run");
        Keys(root.GetProperty("kernel"), s_kernelKeys, text, "kernel");
        foreach (var d in root.GetProperty("dispatch").EnumerateArray())
        {
            Keys(d, s_dispatchKeys, text, "dispatch[]");
        }

        var interrupts = root.GetProperty("interrupts");
        var cpus = interrupts.GetProperty("cpus").GetInt32();
        foreach (var row in interrupts.GetProperty("rows").EnumerateArray())
        {
            // One count per CPU; ERR and MIS are one global total before the table-driven format (arch/x86/kernel/irq.c).
            var n = row.GetProperty("counts").GetArrayLength();
            var global = n == 1 && row.GetProperty("row").GetString() is "ERR" or "MIS";
            Assert.True(n == cpus || global, $"interrupts row with {row.GetProperty("counts").GetArrayLength()} counts for {cpus} CPUs\n{text}");
        }

        var s = root.GetProperty("stats");
        Keys(s, s_statsKeys, text, "stats");
        long L(string k) => s.GetProperty(k).GetInt64();
        var raised = L("raised");
        var accounted = L("delivered") + L("coalesced") + L("pending") + L("masked") + L("dropped");
        if (raised != accounted)
        {
            throw new XunitException($"conservation broken: raised {raised} != delivered {L("delivered")} + coalesced {L("coalesced")} + pending {L("pending")} + masked {L("masked")} + dropped {L("dropped")} = {accounted}\n{text}");
        }
    }

    /// <summary>The §10 error object on stdout and one file:line:column message on stderr, no stack trace.</summary>
    public static void CheckErrorJson(string json, string stderr, string text)
    {
        Assert.False(stderr.Contains("   at ", StringComparison.Ordinal), $"stack trace on stderr: {stderr}\n{text}");
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("irqlab").GetInt32());
        var error = root.GetProperty("error");
        Keys(error, ["code", "message", "file", "line", "column"], text, "error");
        var message = error.GetProperty("message").GetString()!;
        Assert.True(stderr.TrimEnd() == message, $"stderr '{stderr.TrimEnd()}' differs from the JSON message '{message}'\n{text}");
        Assert.Matches(ErrorLine(), message);
    }

    /// <summary>The run JSON without the one non-deterministic field.</summary>
    public static string WithoutWallMs(string json) => WallMs().Replace(json, "\"wall_ms\": 0");

    /// <summary>The JSON of <paramref name="result"/> (<see cref="RunResultJson"/>) without its one non-deterministic field.</summary>
    public static string JsonWithoutWallMs(RunResult result)
    {
        using var stream = new MemoryStream();
        RunResultJson.Write(result, stream);
        return WithoutWallMs(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void Keys(JsonElement e, string[] keys, string text, string what)
    {
        foreach (var k in keys)
        {
            if (!e.TryGetProperty(k, out _))
            {
                throw new XunitException($"missing key '{k}' in {what}\n{text}");
            }
        }
    }

    [GeneratedRegex("\"wall_ms\":\\s*[0-9.eE+-]+")]
    private static partial Regex WallMs();

    [GeneratedRegex(@"^.+:\d+:\d+: error: .+$")]
    private static partial Regex ErrorLine();
}
