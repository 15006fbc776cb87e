using IrqLab.Simulation.Output;

namespace IrqLab.Cli;

/// <summary>
/// The simulator's own warnings about a run (a run stopped by <c>--max-events</c>, a run "until idle" that never became
/// idle): <c>messages</c> entries printed by IrqLab rather than by the modelled kernel (no CPU, level warning, text
/// starting with <c>irqlab: </c>). <c>run</c> shows them among the messages; <c>check</c> and <c>trace</c>, which print
/// no messages, write them on stderr so that a run cut short does not pass unnoticed (docs/cli.md, docs/simulation.md
/// "Safety bounds").
/// </summary>
internal static class RunWarnings
{
    private const string Prefix = "irqlab: ";

    /// <summary>Writes each warning of <paramref name="result"/> on stderr, after <paramref name="file"/> and a colon when given.</summary>
    public static void Write(CliContext cli, RunResult result, string? file)
    {
        foreach (var m in result.Messages)
        {
            if (m.Cpu < 0 && m.Level == "warning" && m.Text.StartsWith(Prefix, StringComparison.Ordinal))
            {
                cli.Error.WriteLine(file is null ? m.Text : $"{file}: {m.Text}");
            }
        }
    }
}
