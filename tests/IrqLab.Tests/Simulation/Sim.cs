using IrqLab.Scenarios;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;

namespace IrqLab.Tests.Simulation;

/// <summary>Runs inline YAML scenarios through the library entry point and formats results for failure messages.</summary>
internal static class Sim
{
    public static RunResult Run(string yaml) => Simulator.Run(ScenarioLoader.Parse(yaml, "inline.yaml"));

    public static string Describe(RunResult r) =>
        "dispatch:\n" + string.Join("\n", r.Dispatch.Select(d =>
            $"  {d.Seq} t={d.TimeNs} cpu{d.Cpu} {d.Event} v={d.Vector} {d.Handler} {d.Path} depth={d.Depth} irq={d.Irq} vm={d.Vm} vcpu={d.Vcpu}"))
        + "\nvmexits:\n" + string.Join("\n", r.VmExits.Select(x => $"  {x.Seq} t={x.TimeNs} {x.Vm}/{x.Vcpu} cpu{x.Cpu} {x.Reason} v={x.Vector} via={x.ReinjectedVia}"))
        + "\nmessages:\n" + string.Join("\n", r.Messages.Select(m => $"  t={m.TimeNs} cpu{m.Cpu} {m.Level}: {m.Text}"))
        + "\nfaults:\n" + string.Join("\n", r.Faults.Select(f => $"  t={f.TimeNs} cpu{f.Cpu} {f.Kind}"))
        + "\nrows:\n" + string.Join("\n", r.InterruptRows.Select(x => $"  {x.Row}: [{string.Join(", ", x.Counts)}]"));

    public static ulong Count(RunResult r, string row, int cpu)
    {
        foreach (var x in r.InterruptRows)
        {
            if (x.Row == row)
            {
                return x.Counts[cpu];
            }
        }

        return 0;
    }

    /// <summary>docs/simulation.md "Accounting": raised = delivered + coalesced + pending + masked + dropped; null when it holds.</summary>
    public static string? Unconserved(RunResult r) => Unconserved(r.Stats);

    /// <inheritdoc cref="Unconserved(RunResult)"/>
    public static string? Unconserved(RunStats s) =>
        s.Raised == s.Delivered + s.Coalesced + s.Pending + s.Masked + s.Dropped ? null
            : $"interrupt accounting does not balance: raised {s.Raised} != delivered {s.Delivered} + coalesced {s.Coalesced} + pending {s.Pending} + masked {s.Masked} + dropped {s.Dropped}";

    public static bool HasRow(RunResult r, string row) => r.InterruptRows.Any(x => x.Row == row);

    /// <summary>The value the <c>read</c> step named <paramref name="name"/> recorded (exactly one such read).</summary>
    public static ReadValue Read(RunResult r, string name) => r.Reads.Single(x => x.Key == name).Value;
}
