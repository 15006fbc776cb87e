using System.Globalization;
using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>
/// Data/Kernel/system-vectors.txt: per kernel version, FIRST_SYSTEM_VECTOR / NR_SYSTEM_VECTORS and each system vector's
/// constant, kind, handler, Kconfig guard and /proc/interrupts row as <c>irqlab vectors</c> prints them, checked against
/// irq_vectors.h, idt.c, entry_fred.c and irq.c of that version (the file names its sources). One case per line; the case
/// name is the file and line.
/// </summary>
public sealed class SystemVectorFactsTests
{
    private const string FileName = "system-vectors.txt";

    private static string PathOf => Path.Combine(AppContext.BaseDirectory, "Data", "Kernel", FileName);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        var lines = File.ReadAllLines(PathOf);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length > 0 && lines[i][0] != '#')
            {
                data.Add(string.Create(CultureInfo.InvariantCulture, $"{FileName}:{i + 1}"));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Vector_layout_and_table_match_the_kernel_sources(string caseName)
    {
        var lineNumber = int.Parse(caseName[(caseName.IndexOf(':', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
        var f = File.ReadAllLines(PathOf)[lineNumber - 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // "<version>[,NAME=true|false...]": the version and Kconfig overrides of the SCENARIOS.md §3 defaults.
        var head = f[0].Split(',');
        Assert.True(KernelVersions.TryParse(head[0], out var parsed), $"{caseName}: bad version '{head[0]}'");
        var version = parsed.Value;
        var config = KconfigDefaults.Create();
        foreach (var o in head.Skip(1))
        {
            var kv = o.Split('=');
            config[kv[0]] = bool.Parse(kv[1]);
        }

        if (f[1] == "layout")
        {
            var layout = VectorLayout.For(version);
            Assert.Equal((Hex(f[2]), int.Parse(f[3], CultureInfo.InvariantCulture)), (layout.FirstSystemVector, layout.NrSystemVectors));
            return;
        }

        var e = KernelVectorTable.Build(version, KernelVariant.Mainline, DeliveryKind.Idt, config)[Hex(f[1])];
        var actual = string.Join(' ', Dash(e.Name), e.Kind.ToString().ToLowerInvariant(), Dash(e.Handler), Dash(e.Config), Dash(e.Row));
        Assert.Equal(string.Join(' ', f.Skip(2)), actual);
    }

    private static int Hex(string text) => int.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static string Dash(string? text) => text ?? "-";
}
