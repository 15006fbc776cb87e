namespace IrqLab.Simulation;

/// <summary>
/// The engine's priority queue, ordered by time, then by insertion sequence, so the run is deterministic: events
/// pop in the total order of (time, sequence) whatever the internal layout. Layout: a 4-ary min-heap, plus one FIFO
/// lane per hot event kind (CPU resumes, device arrivals, IPI arrivals, APIC timers). A pushed event goes to its kind's lane when
/// it is not earlier than the lane's last event (then the lane stays sorted by (time, sequence), since sequences
/// only grow), else to the heap; a pop takes the least of the lane heads and the heap top. Handler costs, periodic
/// timers and arrival streams are mostly monotone, so most events never enter the heap. In the heap the ordering keys (16 bytes) and the
/// payloads live in parallel arrays (sifting reads keys only); a lane keeps them side by side. The lane heads' keys are
/// also kept together in the queue itself, so choosing the earliest event reads one cache line instead of following
/// each lane to its ring. Steady-state operations allocate nothing.
/// </summary>
public sealed class EventQueue
{
    private const int LaneCount = 4;

    // The lanes live inline in the queue object (not as objects of their own): reaching a lane's ring is one load
    // from the queue instead of a load of the lane array and then of the lane.
    private Lanes _lanes;

    // The key (time, sequence) at the head of each lane; long.MaxValue for an empty lane (it never wins).
    private LaneLongs _headTime;
    private LaneLongs _headSequence;
    private Key[] _keys = new Key[64];
    private Payload[] _payloads = new Payload[64];
    private long _nextSequence;
    private int _heapCount;
    private int _count;

    /// <summary>Creates an empty queue.</summary>
    public EventQueue()
    {
        for (var i = 0; i < LaneCount; i++)
        {
            _headTime[i] = long.MaxValue;
            _headSequence[i] = long.MaxValue;
            _lanes[i].Entries = new Lane.Entry[16];
        }
    }

    /// <summary>Number of queued events.</summary>
    public int Count => _count;

    /// <summary>Queues an event at <paramref name="timeNs"/>.</summary>
    public void Push(long timeNs, SimEventKind kind, int target, long generation = 0) =>
        Insert(timeNs, _nextSequence++, kind, target, generation, newest: true);

    /// <summary>
    /// Takes the sequence number the next <see cref="Push"/> would have used, without queuing anything. The caller may
    /// later queue the event with <see cref="PushReserved"/>: it then has the key (time, sequence) it would have had if
    /// it had been pushed now, so it pops in the same place among the other events, ties included.
    /// </summary>
    /// <returns>The reserved sequence number; every later push gets a higher one.</returns>
    public long ReserveSequence() => _nextSequence++;

    /// <summary>
    /// Queues an event under a sequence number taken earlier with <see cref="ReserveSequence"/> (each reserved number is
    /// pushed at most once). The key (<paramref name="timeNs"/>, <paramref name="sequence"/>) must not be earlier than
    /// that of an event already popped, so that pops stay in key order.
    /// </summary>
    /// <param name="timeNs">Simulated time the event fires.</param>
    /// <param name="sequence">The reserved sequence number.</param>
    /// <param name="kind">What the event does.</param>
    /// <param name="target">CPU or workload index.</param>
    /// <param name="generation">Token checked against the target's generation when the event fires.</param>
    public void PushReserved(long timeNs, long sequence, SimEventKind kind, int target, long generation = 0) =>
        Insert(timeNs, sequence, kind, target, generation, newest: false);

    /// <summary>
    /// Puts an event in its kind's lane when its key is above the lane tail's, else in the heap. <paramref name="newest"/>
    /// (a constant at each call site, folded by the JIT) says the sequence is the highest yet: then a time not earlier
    /// than the tail's is enough, and the heap sifts by time alone; a reserved, older sequence needs a strictly later
    /// time and a sift by the full key.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void Insert(long timeNs, long sequence, SimEventKind kind, int target, long generation, bool newest)
    {
        // The fields travel as scalars down to their slot: no event is built on the stack and copied whole.
        _count++;
        var lane = LaneOf(kind);
        if (lane >= 0)
        {
            ref var l = ref _lanes[lane];
            if (l.Count == 0)
            {
                _headTime[lane] = timeNs;
                _headSequence[lane] = sequence;
                l.Enqueue(timeNs, sequence, generation, target, kind);
                return;
            }

            if (newest ? l.TailTimeNs <= timeNs : l.TailTimeNs < timeNs)
            {
                l.Enqueue(timeNs, sequence, generation, target, kind);
                return;
            }
        }

        if (newest)
        {
            HeapPush(timeNs, sequence, generation, target, kind);
        }
        else
        {
            HeapPushKeyed(new Key(timeNs, sequence), new Payload(generation, target, kind));
        }
    }

    /// <summary>Time of the earliest event, or <see cref="long.MaxValue"/> when empty.</summary>
    public long PeekTime
    {
        get
        {
            var t = _heapCount == 0 ? long.MaxValue : _keys[0].TimeNs;
            for (var i = 0; i < LaneCount; i++)
            {
                t = Math.Min(t, _headTime[i]);
            }

            return t;
        }
    }

    /// <summary>Removes and returns the earliest event.</summary>
    public SimEvent Pop()
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("the event queue is empty");
        }

        var source = SelectEarliest(out var time, out var sequence);
        return Remove(source, time, sequence);
    }

    /// <summary>Removes the earliest event into <paramref name="ev"/> when it is due at or before <paramref name="maxTimeNs"/>.</summary>
    public bool TryPop(long maxTimeNs, out SimEvent ev)
    {
        if (_count == 0)
        {
            ev = default;
            return false;
        }

        var source = SelectEarliest(out var time, out var sequence);
        if (time > maxTimeNs)
        {
            ev = default;
            return false;
        }

        ev = Remove(source, time, sequence);
        return true;
    }

    /// <summary>The least of the heap top and the lane heads (keys are unique: sequences never repeat); -1 = heap.</summary>
    private int SelectEarliest(out long time, out long sequence)
    {
        var source = -1;
        long t = long.MaxValue, q = long.MaxValue;
        if (_heapCount > 0)
        {
            t = _keys[0].TimeNs;
            q = _keys[0].Sequence;
        }

        for (var i = 0; i < LaneCount; i++)
        {
            var ht = _headTime[i];
            if (ht < t || (ht == t && _headSequence[i] < q))
            {
                t = ht;
                q = _headSequence[i];
                source = i;
            }
        }

        time = t;
        sequence = q;
        return source;
    }

    private SimEvent Remove(int source, long time, long sequence)
    {
        _count--;
        Payload p;
        if (source >= 0)
        {
            ref var lane = ref _lanes[source];
            p = lane.Dequeue();
            if (lane.Count > 0)
            {
                var head = lane.HeadKey;
                _headTime[source] = head.TimeNs;
                _headSequence[source] = head.Sequence;
            }
            else
            {
                _headTime[source] = long.MaxValue;
                _headSequence[source] = long.MaxValue;
            }
        }
        else
        {
            p = HeapPop();
        }

        return new SimEvent(time, sequence, p.Kind, p.Target, p.Generation);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int LaneOf(SimEventKind kind) => kind switch
    {
        SimEventKind.CpuResume => 0,
        SimEventKind.DeviceArrival => 1,
        SimEventKind.IpiArrival => 2,
        SimEventKind.ApicTimer => 3,
        _ => -1,
    };

    private void HeapPush(long timeNs, long sequence, long generation, int target, SimEventKind kind)
    {
        if (_heapCount == _keys.Length)
        {
            GrowHeap();
        }

        var keys = _keys;
        var payloads = _payloads;
        var i = _heapCount++;
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

        ref var k = ref keys[i];
        k.TimeNs = timeNs;
        k.Sequence = sequence;
        ref var p = ref payloads[i];
        p.Generation = generation;
        p.Target = target;
        p.Kind = kind;
    }

    /// <summary>
    /// A heap push for a key whose sequence may be lower than others in the heap: sifts by the full key (the usual
    /// <see cref="HeapPush"/> compares times only, since a new event's sequence is the highest).
    /// </summary>
    private void HeapPushKeyed(Key key, Payload payload)
    {
        if (_heapCount == _keys.Length)
        {
            GrowHeap();
        }

        var keys = _keys;
        var payloads = _payloads;
        var i = _heapCount++;
        while (i > 0)
        {
            var parent = (i - 1) >> 2;
            if (!Less(key, keys[parent]))
            {
                break;
            }

            keys[i] = keys[parent];
            payloads[i] = payloads[parent];
            i = parent;
        }

        keys[i] = key;
        payloads[i] = payload;
    }

    private void GrowHeap()
    {
        Array.Resize(ref _keys, _keys.Length * 2);
        Array.Resize(ref _payloads, _payloads.Length * 2);
    }

    private Payload HeapPop()
    {
        var keys = _keys;
        var payloads = _payloads;
        var topPayload = payloads[0];
        var n = --_heapCount;
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

        return topPayload;
    }

    private static bool Less(in Key a, in Key b) =>
        a.TimeNs < b.TimeNs || (a.TimeNs == b.TimeNs && a.Sequence < b.Sequence);

    /// <summary>The ordering part of an event.</summary>
    private record struct Key(long TimeNs, long Sequence);

    /// <summary>What an event does (moved with its key).</summary>
    private record struct Payload(long Generation, int Target, SimEventKind Kind);

    [System.Runtime.CompilerServices.InlineArray(LaneCount)]
    private struct LaneLongs
    {
        private long _first;
    }

    [System.Runtime.CompilerServices.InlineArray(LaneCount)]
    private struct Lanes
    {
        private Lane _first;
    }

    /// <summary>A FIFO ring of events with non-decreasing times (hence sorted by time, then sequence).</summary>
    private struct Lane
    {
        // Key and payload side by side: an event is one 32-byte entry, written and read in one place.
        public Entry[] Entries;
        private int _head;

        public int Count;

        public long TailTimeNs;

        public readonly Key HeadKey => Entries[_head].Key;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public void Enqueue(long timeNs, long sequence, long generation, int target, SimEventKind kind)
        {
            var entries = Entries;
            if (Count == entries.Length)
            {
                entries = Grow();
            }

            ref var e = ref entries[(_head + Count) & (entries.Length - 1)];
            e.Key.TimeNs = timeNs;
            e.Key.Sequence = sequence;
            e.Payload.Generation = generation;
            e.Payload.Target = target;
            e.Payload.Kind = kind;
            Count++;
            TailTimeNs = timeNs;
        }

        public Payload Dequeue()
        {
            var entries = Entries;
            var p = entries[_head].Payload;
            _head = (_head + 1) & (entries.Length - 1);
            Count--;
            return p;
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private Entry[] Grow()
        {
            var grown = new Entry[Entries.Length * 2];
            for (var i = 0; i < Count; i++)
            {
                grown[i] = Entries[(_head + i) & (Entries.Length - 1)];
            }

            Entries = grown;
            _head = 0;
            return grown;
        }

        public struct Entry
        {
            public Key Key;
            public Payload Payload;
        }
    }
}
