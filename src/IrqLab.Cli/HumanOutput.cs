using System.Globalization;
using IrqLab.Simulation.Output;
using Spectre.Console;

namespace IrqLab.Cli;

/// <summary>The human-readable output of <c>irqlab run</c>: Spectre.Console tables, plain when redirected.</summary>
internal static class HumanOutput
{
    public static IAnsiConsole Console(CliContext cli)
    {
        var terminal = cli.IsConsole && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(cli.Out),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal)
        {
            // Piped or captured output: wide enough that names are never wrapped.
            console.Profile.Width = 200;
        }

        return console;
    }

    public static void WriteRun(CliContext cli, string path, RunResult r)
    {
        var console = Console(cli);
        var inv = CultureInfo.InvariantCulture;
        var simulatedS = r.TimeNs / 1e9;
        var wallS = r.Stats.WallMs / 1e3;
        var factor = wallS > 0 ? simulatedS / wallS : 0;

        var summary = new Table().Title($"irqlab run {Markup.Escape(path)}").AddColumn("what").AddColumn("value");
        summary.AddRow("scenario", Markup.Escape(r.Scenario));
        summary.AddRow("kernel", Markup.Escape($"{r.Kernel.Mode} {r.Kernel.Version} {r.Kernel.Variant}, {r.Kernel.Delivery} delivery, FIRST_SYSTEM_VECTOR 0x{r.Kernel.FirstSystemVector:x2}, NR_SYSTEM_VECTORS {r.Kernel.NrSystemVectors}"));
        summary.AddRow("cpus", r.Cpus.ToString(inv));
        summary.AddRow("simulated time", FormatNs(r.TimeNs));
        summary.AddRow("events", r.Stats.Events.ToString("N0", inv));
        summary.AddRow("handlers entered", r.Stats.Handlers.ToString("N0", inv) + (r.DispatchTruncated ? string.Create(inv, $" (dispatch log holds the first {r.Dispatch.Count:N0})") : string.Empty));
        summary.AddRow("wall time", $"{r.Stats.WallMs.ToString("0.0", inv)} ms");
        summary.AddRow("real-time factor", factor.ToString("0.00", inv) + "x");
        summary.AddRow("interrupts", Markup.Escape(string.Create(inv, $"raised {r.Stats.Raised:N0}, delivered {r.Stats.Delivered:N0}, coalesced {r.Stats.Coalesced:N0}, pending {r.Stats.Pending:N0}, masked {r.Stats.Masked:N0}, dropped {r.Stats.Dropped:N0}")));
        console.Write(summary);

        if (r.WriteProcInterrupts is { } writeProcInterrupts)
        {
            console.WriteLine();
            console.WriteLine("/proc/interrupts:");
            writeProcInterrupts(cli.Out);
        }

        if (r.Messages.Count > 0)
        {
            var t = new Table().Title("kernel messages").AddColumn("t").AddColumn("cpu").AddColumn("level").AddColumn("text");
            foreach (var m in r.Messages.Take(50))
            {
                t.AddRow(FormatNs(m.TimeNs), m.Cpu >= 0 ? m.Cpu.ToString(inv) : "-", m.Level, Markup.Escape(m.Text));
            }

            if (r.Messages.Count > 50)
            {
                t.AddRow("...", string.Empty, string.Empty, $"{r.Messages.Count - 50} more");
            }

            console.Write(t);
        }

        if (r.Faults.Count > 0)
        {
            var t = new Table().Title("faults").AddColumn("t").AddColumn("cpu").AddColumn("kind");
            foreach (var f in r.Faults)
            {
                t.AddRow(FormatNs(f.TimeNs), f.Cpu.ToString(inv), f.Kind);
            }

            console.Write(t);
        }

        if (r.VmExits.Count > 0)
        {
            var t = new Table().Title("VM exits by reason").AddColumn("reason").AddColumn("count").AddColumn("re-injected via");
            // The exits beyond the run's bound count too (kept in VmExitsNotKept by reason and route).
            var counts = r.VmExits.GroupBy(x => (x.Reason, x.ReinjectedVia)).ToDictionary(g => g.Key, g => (long)g.Count());
            foreach (var (key, n) in r.VmExitsNotKept)
            {
                counts[key] = counts.GetValueOrDefault(key) + n;
            }

            foreach (var (key, n) in counts.OrderBy(c => c.Key.Reason, StringComparer.Ordinal))
            {
                t.AddRow(key.Reason, n.ToString(inv), key.ReinjectedVia ?? "-");
            }

            console.Write(t);
        }

        if (r.Expects.Count > 0)
        {
            var failed = r.Expects.Count(e => !e.Ok);
            console.WriteLine($"expects: {r.Expects.Count - failed} held, {failed} failed (run 'irqlab check' to fail on them)");
        }
    }

    public static string FormatNs(long ns)
    {
        var inv = CultureInfo.InvariantCulture;
        return ns switch
        {
            >= 1_000_000_000 => (ns / 1e9).ToString("0.######", inv) + " s",
            >= 1_000_000 => (ns / 1e6).ToString("0.###", inv) + " ms",
            >= 1_000 => (ns / 1e3).ToString("0.###", inv) + " us",
            _ => ns.ToString(inv) + " ns",
        };
    }
}
