using System.Text.Json;
using BenchmarkDotNet.Running;

namespace IrqLab.Benchmarks;

/// <summary>
/// BenchmarkDotNet entry point (<c>-- --filter '*'</c>, <c>--job dry</c> for a smoke run), plus <c>-- runner [--quick] [--json]</c>
/// to run the kernels of the side-by-side suite that <c>irqlab bench</c> runs, all in this process (<c>irqlab bench</c> runs each
/// in a process of its own).
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "runner")
        {
            return RunSuite(args.Contains("--quick"), args.Contains("--json"));
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }

    private static int RunSuite(bool quick, bool json)
    {
        try
        {
            var report = BenchRunner.Run(new BenchOptions { Quick = quick, Log = Console.Error });
            if (json)
            {
                using var stdout = Console.OpenStandardOutput();
                using var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true });
                BenchReport.WriteJson(report, writer);
                Console.WriteLine();
            }
            else
            {
                BenchReport.WriteText(report, Console.Out);
            }

            return 0;
        }
        catch (BenchSetupException e)
        {
            Console.Error.WriteLine($"irqlab bench: {e.Message}");
            return 2;
        }
    }
}
