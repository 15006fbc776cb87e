using System.CommandLine;
using System.Text.Json;
using IrqLab.Kernel;
using IrqLab.Scenarios;
using IrqLab.Scenarios.Model;
using IrqLab.Scenarios.Syntax;
using IrqLab.Tracing;
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
        }.OneOf(KernelVersions.Names, KernelVersions.DidYouMean);
        var variant = new Option<string>("--variant")
        {
            Description = "mainline (the merged form of 6.9: exactly-typed wrappers) or rfc-2022 (the Nov 2022 cast-based table); each with any --kernel version.",
            DefaultValueFactory = _ => "mainline",
        }.OneOf("mainline", "rfc-2022");
        var delivery = new Option<string>("--delivery")
        {
            Description = "idt or fred (the kernel object; under fred an exception fred_hwexc() has no case for shows no handler); fred needs --kernel 6.9 or later or --variant rfc-2022.",
            DefaultValueFactory = _ => "idt",
        }.OneOf("idt", "fred");
        var config = new Option<string[]>("--config")
        {
            Description = "Kconfig option override NAME=true|false; repeatable (e.g. --config HAVE_KVM=false).",
            AllowMultipleArgumentsPerToken = false,
            HelpName = "NAME=true|false",
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
            if (KernelSpec.DeliveryConflict(v, variantValue, deliveryValue) is { } conflict)
            {
                // The scenario loader's rule (SCENARIOS.md §3), with its error code.
                throw new CliUsageException($"--delivery fred {conflict}", ErrorCodes.Conflict);
            }

            var options = KconfigDefaults.Create();
            var given = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in parse.GetValue(config) ?? [])
            {
                ApplyConfig(options, given, pair);
            }

            var layout = VectorLayout.For(v, options["X86_LOCAL_APIC"]);
            var entries = KernelVectorTable.Build(v, variantValue, deliveryValue, options);
            var info = KernelInfo.Of(KernelMode.Linux, v, variantValue, deliveryValue, layout);
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

    // An option given twice is an error, as a duplicate key in a scenario's kernel.config is (SCENARIOS.md §3 through the
    // loader): taking the last one silently showed a build the other --config did not ask for.
    private static void ApplyConfig(Dictionary<string, bool> options, Dictionary<string, string> given, string pair)
    {
        var eq = pair.IndexOf('=', StringComparison.Ordinal);
        var name = eq < 0 ? pair : pair[..eq];
        var value = eq < 0 ? null : pair[(eq + 1)..];
        if (!options.ContainsKey(name))
        {
            throw new CliUsageException($"--config {pair}: unknown Kconfig option '{name}'{Hints.DidYouMean(name, options.Keys)} (known: {string.Join(", ", options.Keys)})");
        }

        options[name] = value switch
        {
            "true" => true,
            "false" => false,
            _ => throw new CliUsageException($"--config {pair}: expected NAME=true or NAME=false"),
        };
        if (!given.TryAdd(name, pair))
        {
            throw new CliUsageException($"--config {pair}: {name} is already set by --config {given[name]}");
        }
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
        CliJson.Write(cli, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("irqlab", 1);
            RunResultJson.WriteKernel(w, info);
            w.WriteStartArray("vectors");
            foreach (var e in entries)
            {
                w.WriteStartObject();
                w.WriteNumber("vector", e.Vector);
                w.WriteStringOrNull("name", e.Name);
                w.WriteString("kind", KindName(e.Kind));
                w.WriteStringOrNull("handler", e.Handler);
                w.WriteStringOrNull("config", e.Config);
                w.WriteStringOrNull("row", e.Row);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteTable(CliContext cli, KernelInfo info, IReadOnlyList<VectorTableEntry> entries)
    {
        var console = HumanOutput.Console(cli);
        var table = new Table()
            .Title($"Linux {info.Version} {info.Variant}, {info.Delivery} delivery: FIRST_SYSTEM_VECTOR 0x{info.FirstSystemVector:x2}, NR_SYSTEM_VECTORS {info.NrSystemVectors}")
            .AddColumn("vector").AddColumn("name").AddColumn("kind").AddColumn("handler").AddColumn("config").AddColumn("row");
        foreach (var e in entries)
        {
            table.AddRow($"0x{e.Vector:x2} ({e.Vector})", Markup.Escape(e.Name ?? "-"), KindName(e.Kind), Markup.Escape(e.Handler ?? "-"),
                Markup.Escape(e.Config ?? "-"), Markup.Escape(e.Row ?? "-"));
        }

        console.Write(table);
    }
}
