namespace IrqLab.Simulation;

/// <summary>
/// The engine's priority queue: a 4-ary min-heap of <see cref="SimEvent"/> ordered by time, then by insertion
/// sequence, so the run is deterministic (the pop order is the total order of (time, sequence), whatever the heap's
/// shape). The ordering keys (16 bytes) and the payloads live in two parallel arrays, so the sift loops compare
/// four children in one cache line. Steady-state operations allocate nothing.
/// </summary>
public sealed class EventQueue
{
    private Key[] _keys = new Key[64];
    private Payload[] _payloads = new Payload[64];
    private long _nextSequence;
    private int _count;

    /// <summary>Number of queued events.</summary>
    public int Count => _count;

    /// <summary>Queues an event at <paramref name="timeNs"/>.</summary>
    public void Push(long timeNs, SimEventKind kind, int target, long generation = 0)
    {
        if (_count == _keys.Length)
        {
            Array.Resize(ref _keys, _keys.Length * 2);
            Array.Resize(ref _payloads, _payloads.Length * 2);
        }

        var key = new Key(timeNs, _nextSequence++);
        var keys = _keys;
        var payloads = _payloads;
        var i = _count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 2;
            ref var pk = ref keys[parent];

            // A new event has the highest sequence: it only moves above a strictly later time.
            if (pk.TimeNs <= timeNs)
            {
                break;
            }

            keys[i] = pk;
            payloads[i] = payloads[parent];
            i = parent;
        }

        keys[i] = key;
        payloads[i] = new Payload(generation, target, kind);
    }

    /// <summary>Time of the earliest event, or <see cref="long.MaxValue"/> when empty.</summary>
    public long PeekTime => _count == 0 ? long.MaxValue : _keys[0].TimeNs;

    /// <summary>Removes and returns the earliest event.</summary>
    public SimEvent Pop()
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("the event queue is empty");
        }

        var keys = _keys;
        var payloads = _payloads;
        var topKey = keys[0];
        var topPayload = payloads[0];
        var n = --_count;
        if (n > 0)
        {
            var last = keys[n];
            var i = 0;
            while (true)
            {
                var first = (i << 2) + 1;
                if (first >= n)
                {
                    break;
                }

                var best = first;
                var end = Math.Min(first + 4, n);
                for (var c = first + 1; c < end; c++)
                {
                    if (Less(keys[c], keys[best]))
                    {
                        best = c;
                    }
                }

                if (!Less(keys[best], last))
                {
                    break;
                }

                keys[i] = keys[best];
                payloads[i] = payloads[best];
                i = best;
            }

            keys[i] = last;
            payloads[i] = payloads[n];
        }

        return new SimEvent(topKey.TimeNs, topKey.Sequence, topPayload.Kind, topPayload.Target, topPayload.Generation);
    }

    private static bool Less(in Key a, in Key b) =>
        a.TimeNs < b.TimeNs || (a.TimeNs == b.TimeNs && a.Sequence < b.Sequence);

    /// <summary>The ordering part of an event.</summary>
    private readonly record struct Key(long TimeNs, long Sequence);

    /// <summary>What an event does (moved with its key).</summary>
    private readonly record struct Payload(long Generation, int Target, SimEventKind Kind);
}
