namespace IrqLab.Tracing;

/// <summary>An observer of a run: trace writers, counters, histograms.</summary>
public interface ITraceSink
{
    /// <summary>Receives one event; events arrive in non-decreasing <see cref="TraceEvent.TimeNs"/>.</summary>
    void Write(in TraceEvent traceEvent);

    /// <summary>The run ended at <paramref name="endNs"/>: flush and close open slices.</summary>
    void Complete(long endNs);
}
