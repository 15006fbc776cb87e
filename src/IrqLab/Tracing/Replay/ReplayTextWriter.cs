using System.Globalization;

namespace IrqLab.Tracing.Replay;

/// <summary>Plain-text rendering of a <see cref="ReplayReport"/> (fixed-width columns, invariant numbers).</summary>
internal static class ReplayTextWriter
{
    public static void Write(ReplayReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        var ci = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(ci, $"replay of {report.Source}: {report.IntervalSeconds:F6} s, {report.Cpus.Count} CPU(s), {report.Records} record(s)"));
        if (report.Rates.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("counts and rates per second");
            var header = new List<string> { "row" };
            foreach (var cpu in report.Cpus)
            {
                header.Add("CPU" + cpu.ToString(ci));
            }

            header.Add("total");
            var lines = new List<List<string>> { header };
            foreach (var row in report.Rates)
            {
                var cells = new List<string> { row.Row + ":" };
                for (var i = 0; i < report.Cpus.Count; i++)
                {
                    cells.Add(i < row.Counts.Count ? string.Create(ci, $"{row.Counts[i]} ({row.Rates[i]:F1}/s)") : "");
                }

                cells.Add(string.Create(ci, $"{row.Total} ({row.TotalRate:F1}/s)"));
                lines.Add(cells);
            }

            var widths = new int[header.Count];
            foreach (var cells in lines)
            {
                for (var i = 0; i < cells.Count; i++)
                {
                    widths[i] = Math.Max(widths[i], cells[i].Length);
                }
            }

            for (var l = 0; l < lines.Count; l++)
            {
                var cells = lines[l];
                var text = new System.Text.StringBuilder();
                for (var i = 0; i < cells.Count; i++)
                {
                    text.Append(i == 0 ? cells[i].PadLeft(widths[i]) : "  " + cells[i].PadLeft(widths[i]));
                }

                if (l > 0 && report.Rates[l - 1].Name is { } name)
                {
                    text.Append("  ").Append(name);
                }

                output.WriteLine(text.ToString().TrimEnd());
            }
        }

        if (report.Histograms.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("handler latency, entry -> exit (log2 buckets, ns)");
            foreach (var h in report.Histograms)
            {
                var id = h.Irq is { } irq ? string.Create(ci, $"irq {irq}") : string.Create(ci, $"{h.Kind} {h.Vector}");
                output.WriteLine(string.Create(ci, $"{id} {h.Handler}: {h.Count} sample(s), min {h.MinNs} ns, mean {h.MeanNs:F1} ns, max {h.MaxNs} ns"));
                for (var b = 0; b < h.Buckets.Count; b++)
                {
                    if (h.Buckets[b] == 0)
                    {
                        continue;
                    }

                    output.WriteLine(string.Create(ci, $"  [{LatencyHistogram.BucketLowNs(b),12}, {LatencyHistogram.BucketHighNs(b),12}) {h.Buckets[b],8}"));
                }
            }
        }

        if (report.EventCount > 0)
        {
            output.WriteLine();
            output.WriteLine(string.Create(ci, $"{report.EventCount} handler event(s) rebuilt; {report.UnmatchedEntries} unmatched entr(y/ies), {report.UnmatchedExits} unmatched exit(s)"));
        }

        if (report.Notes.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("notes");
            foreach (var note in report.Notes)
            {
                output.WriteLine("  " + note);
            }
        }
    }
}
