using System.CommandLine;
using System.Text.Json;
using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Simulation.Output;
using IrqLab.Vectors;
using Spectre.Console;

namespace IrqLab.Cli.Commands;

/// <summary><c>irqlab vectors [--kernel V] [--variant V] [--delivery D] [--config NAME=true|false ...] [--json]</c> (SCENARIOS.md §11).</summary>
internal static class VectorsCommand
{
    public static Command Create(CliContext cli)
    {
        var kernel = new Option<string>("--kernel")
        {
            Description = "Kernel version whose layout to show: 6.1, 6.6, 6.9, 6.10 or latest.",
            DefaultValueFactory = _ => "latest",
        };
        kernel.AcceptOnlyFromAmong([.. KernelVersions.Names]);
        var variant = new Option<string>("--variant")
        {
            Description = "mainline (as merged in 6.9) or rfc-2022 (the Nov 2022 cast-based table).",
            DefaultValueFactory = _ => "mainline",
        };
        variant.AcceptOnlyFromAmong("mainline", "rfc-2022");
        var delivery = new Option<string>("--delivery")
        {
            Description = "idt or fred (only reported in the kernel object).",
            DefaultValueFactory = _ => "idt",
        };
        delivery.AcceptOnlyFromAmong("idt", "fred");
        var config = new Option<string[]>("--config")
        {
            Description = "Kconfig option override NAME=true|false; repeatable (e.g. --config HAVE_KVM=false).",
            AllowMultipleArgumentsPerToken = false,
        };
        var json = new Option<bool>("--json") { Description = "Print the JSON of SCENARIOS.md §11." };
        var command = new Command("vectors", "Show the Linux vector table: every vector's kind, name, handler, Kconfig guard and /proc/interrupts row.")
        {
            kernel, variant, delivery, config, json,
        };
        command.SetAction(parse =>
        {
            if (!KernelVersions.TryParse(parse.GetValue(kernel), out var version))
            {
                throw new CliUsageException($"--kernel: expected one of {string.Join(", ", KernelVersions.Names)}");
            }

            var v = version.Value;
            var variantValue = parse.GetValue(variant) == "rfc-2022" ? KernelVariant.Rfc2022 : KernelVariant.Mainline;
            var deliveryValue = parse.GetValue(delivery) == "fred" ? DeliveryKind.Fred : DeliveryKind.Idt;
            var options = KconfigDefaults.Create();
            foreach (var pair in parse.GetValue(config) ?? [])
            {
                ApplyConfig(options, pair);
            }

            var layout = VectorLayout.For(v, options["X86_LOCAL_APIC"]);
            var entries = KernelVectorTable.Build(v, variantValue, deliveryValue, options);
            var info = new KernelInfo("linux", v.ToName(), variantValue == KernelVariant.Mainline ? "mainline" : "rfc-2022",
                deliveryValue == DeliveryKind.Fred ? "fred" : "idt", layout.FirstSystemVector, layout.NrSystemVectors);
            if (parse.GetValue(json))
            {
                WriteJson(cli, info, entries);
            }
            else
            {
                WriteTable(cli, info, entries);
            }

            return CliApp.ExitOk;
        });
        return command;
    }

    private static void ApplyConfig(Dictionary<string, bool> options, string pair)
    {
        var eq = pair.IndexOf('=', StringComparison.Ordinal);
        var name = eq < 0 ? pair : pair[..eq];
        var value = eq < 0 ? null : pair[(eq + 1)..];
        if (!options.ContainsKey(name))
        {
            var hint = options.Keys.OrderBy(k => Distance(k, name)).First();
            throw new CliUsageException($"--config {pair}: unknown Kconfig option '{name}'; did you mean '{hint}'? (known: {string.Join(", ", options.Keys)})");
        }

        options[name] = value switch
        {
            "true" => true,
            "false" => false,
            _ => throw new CliUsageException($"--config {pair}: expected NAME=true or NAME=false"),
        };
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }

        return d[a.Length, b.Length];
    }

    private static string KindName(VectorKind kind) => kind switch
    {
        VectorKind.Exception => "exception",
        VectorKind.Device => "device",
        VectorKind.Isa => "isa",
        VectorKind.Cleanup => "cleanup",
        VectorKind.Syscall => "syscall",
        _ => "system",
    };

    private static void WriteJson(CliContext cli, KernelInfo info, IReadOnlyList<VectorTableEntry> entries)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, RunResultJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("irqlab", 1);
            RunResultJson.WriteKernel(w, info);
            w.WriteStartArray("vectors");
            foreach (var e in entries)
            {
                w.WriteStartObject();
                w.WriteNumber("vector", e.Vector);
                WriteNullable(w, "name", e.Name);
                w.WriteString("kind", KindName(e.Kind));
                WriteNullable(w, "handler", e.Handler);
                WriteNullable(w, "config", e.Config);
                WriteNullable(w, "row", e.Row);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        cli.Out.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteTable(CliContext cli, KernelInfo info, IReadOnlyList<VectorTableEntry> entries)
    {
        var console = HumanOutput.Console(cli);
        var table = new Table()
            .Title($"Linux {info.Version} {info.Variant}: FIRST_SYSTEM_VECTOR 0x{info.FirstSystemVector:x2}, NR_SYSTEM_VECTORS {info.NrSystemVectors}")
            .AddColumn("vector").AddColumn("name").AddColumn("kind").AddColumn("handler").AddColumn("config").AddColumn("row");
        foreach (var e in entries)
        {
            table.AddRow($"0x{e.Vector:x2} ({e.Vector})", Markup.Escape(e.Name ?? "-"), KindName(e.Kind), Markup.Escape(e.Handler ?? "-"),
                Markup.Escape(e.Config ?? "-"), Markup.Escape(e.Row ?? "-"));
        }

        console.Write(table);
    }
}
