namespace IrqLab.Tracing;

/// <summary>
/// One observation of the simulated machine, in time order. A small value handed to <see cref="ITraceSink"/>
/// observers; the strings are the model's interned names, so producing one allocates nothing.
/// </summary>
/// <param name="TimeNs">Simulated time in ns.</param>
/// <param name="Cpu">Host CPU, or -1 where none applies.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Vector">Vector, or -1.</param>
/// <param name="Name">Handler, device, exit reason or message text, per <paramref name="Kind"/>.</param>
/// <param name="Irq">Linux irq number, or -1.</param>
/// <param name="Depth">Nesting depth of a handler (0 = not nested).</param>
/// <param name="Vm">VM name for guest events, else null.</param>
/// <param name="Vcpu">vCPU index for guest events, else -1.</param>
/// <param name="Value">Kind-specific number (see <see cref="TraceEventKind"/>).</param>
/// <param name="Event">FRED event type name for handler entries (<c>ext_int</c>, <c>nmi</c>, ...), else null.</param>
public readonly record struct TraceEvent(
    long TimeNs,
    int Cpu,
    TraceEventKind Kind,
    int Vector = -1,
    string? Name = null,
    int Irq = -1,
    int Depth = 0,
    string? Vm = null,
    int Vcpu = -1,
    long Value = 0,
    string? Event = null);
