namespace IrqLab.Tracing.Replay;

/// <summary>
/// One event line of an ftrace text capture (<c>trace</c>, <c>trace_pipe</c>, <c>trace-cmd report</c>, <c>perf script</c>).
/// Fields the event does not carry are null. <c>irq_handler_entry</c>: <see cref="Irq"/>, <see cref="Name"/>;
/// <c>irq_handler_exit</c>: <see cref="Irq"/>, <see cref="Ret"/>; <c>irq_vectors</c> <c>*_entry/_exit</c>: <see cref="Vector"/>;
/// <c>softirq_entry/_exit/_raise</c>: <see cref="Vector"/> = softirq number, <see cref="Name"/> = action.
/// <c>lost_events</c> (<see cref="FtraceParser.LostEvent"/>): <see cref="Lost"/>. Other events keep only their name.
/// </summary>
/// <param name="Cpu">The CPU column.</param>
/// <param name="TimeNs">Timestamp in ns (µs resolution unless the capture printed ns).</param>
/// <param name="Event">Event name without system prefix (<c>local_timer_entry</c>).</param>
/// <param name="Irq">Linux irq number, or null.</param>
/// <param name="Vector">Vector (or softirq number), or null.</param>
/// <param name="Name">Action name, or null.</param>
/// <param name="Ret">Handler result text (<c>handled</c> / <c>unhandled</c>), or null.</param>
/// <param name="Line">1-based line in the input.</param>
/// <param name="Lost">Events the ring buffer lost on <paramref name="Cpu"/> before the next one (a lost-events marker; 0 when the kernel does not know how many), else 0.</param>
public sealed record FtraceRecord(int Cpu, long TimeNs, string Event, int? Irq, int? Vector, string? Name, string? Ret, int Line, long Lost = 0);
