namespace IrqLab.Simulation;

/// <summary>
/// The engine's priority queue: a binary min-heap of <see cref="SimEvent"/> ordered by time, then by insertion
/// sequence, so the run is deterministic. Backed by one growable array; steady-state operations allocate nothing.
/// </summary>
public sealed class EventQueue
{
    private SimEvent[] _heap = new SimEvent[64];
    private long _nextSequence;

    /// <summary>Number of queued events.</summary>
    public int Count { get; private set; }

    /// <summary>Queues an event at <paramref name="timeNs"/>.</summary>
    public void Push(long timeNs, SimEventKind kind, int target, long generation = 0)
    {
        if (Count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        var ev = new SimEvent(timeNs, _nextSequence++, kind, target, generation);
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Less(ev, _heap[parent]))
            {
                break;
            }

            _heap[i] = _heap[parent];
            i = parent;
        }

        _heap[i] = ev;
    }

    /// <summary>Time of the earliest event, or <see cref="long.MaxValue"/> when empty.</summary>
    public long PeekTime => Count == 0 ? long.MaxValue : _heap[0].TimeNs;

    /// <summary>Removes and returns the earliest event.</summary>
    public SimEvent Pop()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("the event queue is empty");
        }

        var top = _heap[0];
        var last = _heap[--Count];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= Count)
            {
                break;
            }

            if (child + 1 < Count && Less(_heap[child + 1], _heap[child]))
            {
                child++;
            }

            if (!Less(_heap[child], last))
            {
                break;
            }

            _heap[i] = _heap[child];
            i = child;
        }

        if (Count > 0)
        {
            _heap[i] = last;
        }

        return top;
    }

    private static bool Less(in SimEvent a, in SimEvent b) =>
        a.TimeNs < b.TimeNs || (a.TimeNs == b.TimeNs && a.Sequence < b.Sequence);
}
