namespace IrqLab.Simulation.Output;

/// <summary>The result of one run: exactly what <c>irqlab run FILE --json</c> prints (SCENARIOS.md §10).</summary>
public sealed record RunResult
{
    /// <summary>Scenario name.</summary>
    public required string Scenario { get; init; }

    /// <summary>The seed used.</summary>
    public ulong Seed { get; init; }

    /// <summary>Kernel description.</summary>
    public required KernelInfo Kernel { get; init; }

    /// <summary>Simulated time at the end.</summary>
    public long TimeNs { get; init; }

    /// <summary>Handler entries (capped by the log limit).</summary>
    public IReadOnlyList<DispatchEntry> Dispatch { get; init; } = [];

    /// <summary>True when <see cref="Dispatch"/> was capped.</summary>
    public bool DispatchTruncated { get; init; }

    /// <summary>
    /// VM exits beyond the run's VM-exit bound, not kept in <see cref="VmExits"/>: how many of each reason and
    /// re-injection route (empty when every exit was kept).
    /// </summary>
    public IReadOnlyDictionary<(string Reason, string? ReinjectedVia), long> VmExitsNotKept { get; init; } =
        new Dictionary<(string Reason, string? ReinjectedVia), long>();

    /// <summary>Kernel messages printed beyond the run's message bound and not kept in <see cref="Messages"/>.</summary>
    public long MessagesNotKept { get; init; }

    /// <summary>Values of <c>read</c> steps in the order first recorded.</summary>
    public IReadOnlyList<KeyValuePair<string, ReadValue>> Reads { get; init; } = [];

    /// <summary>Outcomes of <c>expect</c> steps.</summary>
    public IReadOnlyList<ExpectEntry> Expects { get; init; } = [];

    /// <summary>Number of CPU columns in <see cref="InterruptRows"/>.</summary>
    public int Cpus { get; init; }

    /// <summary>The model's /proc/interrupts rows in the kernel's order.</summary>
    public IReadOnlyList<InterruptRow> InterruptRows { get; init; } = [];

    /// <summary>
    /// /proc/interrupts as the kernel prints it (for the human output), rendered on each call from
    /// <see cref="WriteProcInterrupts"/>; null without a Linux kernel model.
    /// </summary>
    public string? ProcInterruptsText
    {
        get
        {
            if (WriteProcInterrupts is null)
            {
                return null;
            }

            using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            WriteProcInterrupts(text);
            return text.ToString();
        }
    }

    /// <summary>
    /// Writes /proc/interrupts as the kernel prints it to a writer a line at a time (a 4096-CPU table is hundreds of
    /// megabytes of text, never held in memory this way); null without a Linux kernel model.
    /// </summary>
    public Action<TextWriter>? WriteProcInterrupts { get; init; }

    /// <summary>VM exits in order.</summary>
    public IReadOnlyList<VmExitEntry> VmExits { get; init; } = [];

    /// <summary>Kernel log lines.</summary>
    public IReadOnlyList<MessageEntry> Messages { get; init; } = [];

    /// <summary>CPU shutdowns and traps.</summary>
    public IReadOnlyList<FaultEntry> Faults { get; init; } = [];

    /// <summary>Counters.</summary>
    public RunStats Stats { get; init; } = new();
}
