using System.Globalization;

namespace IrqLab.Tracing.Replay;

/// <summary>
/// Parses /proc/interrupts (shared/reference/trace-formats.md §4, linux-dispatch.md §1.4): the header names the online
/// CPUs (<c>CPU%-8d</c>, offline CPUs missing); each row is <c>label:</c>, one count per header CPU (one for the
/// global <c>ERR</c>/<c>MIS</c> counters; a shorter row is an error; counts are 32-bit, <c>%10u</c>), then free text: for numbered rows <c>chip hwirq-flow  actions</c> (chip names may
/// start with a digit, actions contain spaces and <c>", "</c>), for named rows the description. Only the label and the
/// counts are split on whitespace, as the reference advises.
/// </summary>
public static class ProcInterruptsParser
{
    /// <summary>Parses one snapshot.</summary>
    /// <param name="input">The file text.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="ReplayFormatException">No CPU header, a row without label or count, a count that is not a number, a count above 4294967295, or a row label seen twice.</exception>
    public static ProcInterruptsSnapshot Parse(TextReader input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var lineNumber = 0;
        List<int>? cpus = null;
        var rows = new List<ProcInterruptsRow>();
        var labels = new Dictionary<string, int>(StringComparer.Ordinal);
        while (input.ReadLine() is { } raw)
        {
            lineNumber++;
            var line = raw.TrimEnd();
            if (line.Length == 0)
            {
                continue;
            }

            if (cpus is null)
            {
                cpus = ParseHeader(line, lineNumber);
                continue;
            }

            var row = ParseRow(line, lineNumber, cpus.Count);
            if (!labels.TryAdd(row.Row, lineNumber))
            {
                // show_interrupts() prints each irq descriptor once and arch_show_interrupts() each named row once
                // (kernel/irq/proc.c, arch/x86/kernel/irq.c): a label seen twice is two reads pasted together or a
                // garbled file, not a snapshot; which of the two counts to compare would be a guess.
                throw new ReplayFormatException(lineNumber, $"row {row.Row} appears twice (first at line {labels[row.Row]}): a snapshot prints each row once");
            }

            rows.Add(row);
        }

        if (cpus is null)
        {
            throw new ReplayFormatException(lineNumber + 1, "expected the header 'CPU0 CPU1 ...', got end of input");
        }

        return new ProcInterruptsSnapshot(cpus, rows);
    }

    private static List<int> ParseHeader(string line, int lineNumber)
    {
        var cpus = new List<int>();
        foreach (var token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!token.StartsWith("CPU", StringComparison.Ordinal)
                || !int.TryParse(token.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var cpu))
            {
                throw new ReplayFormatException(lineNumber, $"expected the header 'CPU0 CPU1 ...', got '{token}'");
            }

            if (cpus.Count > 0 && cpu <= cpus[^1])
            {
                throw new ReplayFormatException(lineNumber, $"expected CPU numbers in increasing order, got 'CPU{cpu}' after 'CPU{cpus[^1]}'");
            }

            cpus.Add(cpu);
        }

        if (cpus.Count == 0)
        {
            throw new ReplayFormatException(lineNumber, "expected the header 'CPU0 CPU1 ...'");
        }

        return cpus;
    }

    private static ProcInterruptsRow ParseRow(string line, int lineNumber, int cpuCount)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        var label = colon < 0 ? "" : line[..colon].Trim();
        if (label.Length == 0 || label.Contains(' ', StringComparison.Ordinal))
        {
            throw new ReplayFormatException(lineNumber, $"expected '<irq or name>:' at the start of the row, got '{line.Trim()}'");
        }

        var counts = new List<ulong>(cpuCount);
        var pos = colon + 1;
        while (counts.Count < cpuCount)
        {
            var start = SkipSpaces(line, pos);
            var end = start;
            while (end < line.Length && line[end] != ' ' && line[end] != '\t')
            {
                end++;
            }

            if (start == end || !char.IsAsciiDigit(line[start]))
            {
                break;
            }

            var token = line.AsSpan(start, end - start);
            if (!ulong.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                // A chip name may start with a digit: only a row's first count must be a number.
                if (counts.Count == 0)
                {
                    throw new ReplayFormatException(lineNumber, $"row {label}: expected a count, got '{token}'");
                }

                break;
            }

            if (count > uint.MaxValue)
            {
                // Every /proc/interrupts count is an unsigned int printed with %10u (trace-formats.md §4.1).
                throw new ReplayFormatException(lineNumber, $"row {label}: count {count} exceeds {uint.MaxValue}, the largest count /proc/interrupts prints (%10u)");
            }

            counts.Add(count);
            pos = end;
        }

        if (counts.Count == 0)
        {
            throw new ReplayFormatException(lineNumber, $"row {label}: expected at least one count");
        }

        // Every row has one count per online CPU, except the global error counters (x86 ERR/MIS before the
        // table-driven format, arm "Err"), which have one (trace-formats.md §4.3). A shorter row was cut or garbled:
        // it is an error, not guessed at.
        if (counts.Count < cpuCount && !(counts.Count == 1 && IsGlobalCounter(label)))
        {
            throw new ReplayFormatException(lineNumber, $"row {label}: expected {cpuCount} counts (one per CPU in the header), got {counts.Count}");
        }

        var rest = line[pos..].Trim();
        var next = rest.AsSpan(0, rest.AsSpan().IndexOfAny(' ', '\t') is var sp and >= 0 ? sp : rest.Length);
        if (counts.Count == cpuCount && !next.IsEmpty && !next.ContainsAnyExceptInRange('0', '9'))
        {
            // show_interrupts() prints a chip name (" %8s", "-" or "None") or the description after the counts, never a
            // number: a row longer than the header was printed for more online CPUs than the header (a CPU came online
            // between the two, the file being read in several pieces) or garbled. An error, as a shorter row is.
            throw new ReplayFormatException(lineNumber, $"row {label}: expected {cpuCount} counts (one per CPU in the header), got more: '{next}' after them");
        }

        if (rest.Length == 0 && IsSoftirqName(label))
        {
            // fs/proc/softirqs.c prints "%12s:" with the softirq's name and one " %10u" per possible CPU, nothing after:
            // the same header and columns as /proc/interrupts, so the file read as a snapshot of ten rows. No
            // arch_show_interrupts() row is named after a softirq, and a named row has a description (ERR/MIS aside).
            throw new ReplayFormatException(lineNumber, $"row {label}: this is /proc/softirqs (softirq {label}), not /proc/interrupts; replay compares two /proc/interrupts snapshots");
        }

        if (!char.IsAsciiDigit(label[0]))
        {
            return new ProcInterruptsRow(label, counts, null, null, null, rest.Length == 0 ? null : rest);
        }

        return ParseNumberedTail(label, counts, rest);
    }

    /// <summary>The rows of /proc/softirqs: <c>softirq_to_name[]</c> (kernel/softirq.c), and BLOCK_IOPOLL, vector 5 before Linux 4.5.</summary>
    private static bool IsSoftirqName(string label) =>
        label == "BLOCK_IOPOLL" || FtraceWriter.SoftirqNames.Contains(label);

    private static bool IsGlobalCounter(string label) =>
        label is "ERR" or "MIS" or "Err";

    /// <summary><c>chip hwirq[-flow]  actions</c> (kernel/irq/proc.c): the first token is the chip, a following
    /// number (optionally <c>-flow</c>) is the hwirq, the remainder the actions. Old kernels print <c>IO-APIC-edge  name</c>
    /// without hwirq.</summary>
    private static ProcInterruptsRow ParseNumberedTail(string label, List<ulong> counts, string rest)
    {
        if (rest.Length == 0)
        {
            return new ProcInterruptsRow(label, counts, null, null, null, null);
        }

        var chipEnd = rest.IndexOfAny([' ', '\t']);
        if (chipEnd < 0)
        {
            return new ProcInterruptsRow(label, counts, rest, null, null, null);
        }

        var chip = rest[..chipEnd];
        var tail = rest[chipEnd..].TrimStart();
        var tokenEnd = tail.IndexOfAny([' ', '\t']);
        var token = tokenEnd < 0 ? tail : tail[..tokenEnd];
        var dash = token.IndexOf('-', StringComparison.Ordinal);
        var hwirq = dash < 0 ? token : token[..dash];
        if (hwirq.Length == 0 || !IsHwirq(hwirq))
        {
            return new ProcInterruptsRow(label, counts, chip, null, tail.Length == 0 ? null : tail, null);
        }

        var flow = dash < 0 || dash == token.Length - 1 ? null : token[(dash + 1)..];
        var actions = tokenEnd < 0 ? "" : tail[tokenEnd..].Trim();
        return new ProcInterruptsRow(label, counts, chip, hwirq, actions.Length == 0 ? null : actions, null, flow);
    }

    private static bool IsHwirq(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return char.IsAsciiDigit(text[0]);
    }

    private static int SkipSpaces(string line, int pos)
    {
        while (pos < line.Length && (line[pos] == ' ' || line[pos] == '\t'))
        {
            pos++;
        }

        return pos;
    }
}
