using System.Globalization;
using System.Text;

namespace IrqLab.Benchmarks;

/// <summary>
/// The scaling sweep as an SVG figure (<c>irqlab bench --scaling --plot FILE</c>): one panel per series, the varied
/// parameter on a logarithmic x axis, wall-clock nanoseconds per interrupt on a linear y axis from zero.
/// Plain SVG 1.1 written by hand: no plotting dependency.
/// </summary>
public static class ScalingPlot
{
    private const int PanelWidth = 300;
    private const int PanelHeight = 240;
    private const int Left = 56;
    private const int Top = 48;
    private const int Bottom = 44;
    private const int Gap = 24;

    private static readonly double[] s_steps = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

    private static readonly (string Series, string Title, string Axis)[] s_panels =
    [
        (ScalingSweep.CpusSeries, "CPUs (100k irq/s each)", "CPUs"),
        (ScalingSweep.RateSeries, "Rate per CPU (64 CPUs)", "device interrupts/s per CPU"),
        (ScalingSweep.DevicesSeries, "Devices (64 CPUs, 100k irq/s each)", "MSI-X devices sharing the load"),
    ];

    /// <summary>The SVG document for <paramref name="points"/>; <paramref name="caption"/> goes under the panels.</summary>
    public static string ToSvg(IReadOnlyList<ScalingPoint> points, string caption)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(caption);
        var width = Left + (s_panels.Length * (PanelWidth + Gap + Left)) - Left;
        var height = Top + PanelHeight + Bottom + 28;
        var sb = new StringBuilder();
        Append(sb, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        Append(sb, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        Append(sb, $"<text x=\"{Left}\" y=\"18\" font-size=\"14\" font-weight=\"bold\">irqlab simulator: wall-clock ns per interrupt</text>\n");
        var yMax = NiceCeiling(points.Count == 0 ? 1 : points.Max(p => p.NsPerInterrupt) * 1.1);
        for (var i = 0; i < s_panels.Length; i++)
        {
            var (series, title, axis) = s_panels[i];
            var x0 = Left + (i * (PanelWidth + Gap + Left));
            Panel(sb, [.. points.Where(p => p.Series == series).OrderBy(p => p.X)], x0, title, axis, yMax);
        }

        Append(sb, $"<text x=\"{Left}\" y=\"{height - 8}\" fill=\"#555\">{Escape(caption)}</text>\n");
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static void Panel(StringBuilder sb, ScalingPoint[] points, int x0, string title, string axis, double yMax)
    {
        var y0 = Top + PanelHeight;
        Append(sb, $"<text x=\"{x0}\" y=\"{Top - 10}\" font-weight=\"bold\">{Escape(title)}</text>\n");
        Append(sb, $"<rect x=\"{x0}\" y=\"{Top}\" width=\"{PanelWidth}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#999\"/>\n");
        for (var k = 0; k <= 4; k++)
        {
            var v = yMax * k / 4;
            var y = y0 - (PanelHeight * k / 4.0);
            Append(sb, $"<line x1=\"{x0}\" y1=\"{F(y)}\" x2=\"{x0 + PanelWidth}\" y2=\"{F(y)}\" stroke=\"#eee\"/>\n");
            Append(sb, $"<text x=\"{x0 - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{F(v)}</text>\n");
        }

        Append(sb, $"<text x=\"{x0 + (PanelWidth / 2)}\" y=\"{y0 + 34}\" text-anchor=\"middle\">{Escape(axis)}</text>\n");
        if (points.Length == 0)
        {
            return;
        }

        var lo = Math.Log(points[0].X);
        var hi = Math.Log(points[^1].X);
        double Px(long x) => hi > lo ? x0 + 16 + ((PanelWidth - 32) * (Math.Log(x) - lo) / (hi - lo)) : x0 + (PanelWidth / 2.0);
        double Py(double v) => y0 - (PanelHeight * v / yMax);

        var path = new StringBuilder();
        foreach (var p in points)
        {
            path.Append(path.Length == 0 ? "M" : " L").Append(F(Px(p.X))).Append(',').Append(F(Py(p.NsPerInterrupt)));
        }

        Append(sb, $"<path d=\"{path}\" fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"2\"/>\n");
        foreach (var p in points)
        {
            var px = Px(p.X);
            var py = Py(p.NsPerInterrupt);
            Append(sb, $"<circle cx=\"{F(px)}\" cy=\"{F(py)}\" r=\"3.5\" fill=\"#1f5fa8\"/>\n");
            Append(sb, $"<text x=\"{F(px)}\" y=\"{F(py - 8)}\" text-anchor=\"middle\" fill=\"#1f5fa8\">{F(p.NsPerInterrupt)}</text>\n");
            Append(sb, $"<text x=\"{F(px)}\" y=\"{y0 + 16}\" text-anchor=\"middle\">{Label(p.X)}</text>\n");
        }
    }

    /// <summary>The least of 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten that is at least <paramref name="v"/>.</summary>
    internal static double NiceCeiling(double v)
    {
        if (v <= 0 || double.IsNaN(v))
        {
            return 1;
        }

        var p = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (var m in s_steps)
        {
            if (m * p >= v)
            {
                return m * p;
            }
        }

        return 10 * p;
    }

    private static string Label(long x) => x switch
    {
        >= 1_000_000 when x % 1_000_000 == 0 => F(x / 1_000_000) + "M",
        >= 1_000 when x % 1_000 == 0 => F(x / 1_000) + "k",
        _ => F(x),
    };

    private static string F(double v) => Math.Round(v, 1).ToString("0.#", CultureInfo.InvariantCulture);

    private static string Escape(string s) => System.Security.SecurityElement.Escape(s);

    private static void Append(StringBuilder sb, FormattableString s) => sb.Append(s.ToString(CultureInfo.InvariantCulture));
}
