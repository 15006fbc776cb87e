namespace IrqLab.Simulation.Output;

/// <summary>One kernel log line of <c>messages</c>.</summary>
/// <param name="TimeNs">When it was printed.</param>
/// <param name="Cpu">CPU that printed it; -1 for IrqLab's own warnings, which no CPU prints (<c>"cpu": null</c> in the JSON).</param>
/// <param name="Level">emerg, alert, crit, err, warning, notice, info, debug.</param>
/// <param name="Text">The line, without the trailing newline.</param>
public readonly record struct MessageEntry(long TimeNs, int Cpu, string Level, string Text);
