using CsCheck;
using IrqLab.Simulation;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The engine's determinism rests on the queue popping events in (time, insertion sequence) order whatever its
/// internal layout (heap plus per-kind FIFO lanes): checked against a sorted reference on random push/pop scripts.
/// </summary>
public sealed class EventQueueTests
{
    private static readonly SimEventKind[] s_kinds =
        [SimEventKind.CpuResume, SimEventKind.ApicTimer, SimEventKind.DeviceArrival, SimEventKind.IpiArrival, SimEventKind.WatchdogTick];

    [Fact]
    public void Pops_in_time_then_sequence_order_for_random_scripts()
    {
        // Each op: push (kind, delay from the last popped time; small delays make ties and non-monotone lanes), or pop.
        var op = Gen.Select(Gen.Int[0, 3], Gen.Int[0, s_kinds.Length - 1], Gen.Int[0, 40]);
        op.Array[1, 400].Sample(script =>
        {
            var q = new EventQueue();
            var reference = new List<(long Time, long Seq, SimEventKind Kind, int Target)>();
            long now = 0, seq = 0;
            var target = 0;
            foreach (var (what, kind, delay) in script)
            {
                if (what > 0 || reference.Count == 0)
                {
                    q.Push(now + delay, s_kinds[kind], target, target * 7L);
                    reference.Add((now + delay, seq++, s_kinds[kind], target));
                    target++;
                }
                else
                {
                    AssertPop(q, reference, ref now);
                }

                Assert.Equal(reference.Count, q.Count);
                Assert.Equal(reference.Count == 0 ? long.MaxValue : reference.Min(r => r.Time), q.PeekTime);
            }

            while (reference.Count > 0)
            {
                AssertPop(q, reference, ref now);
            }

            Assert.Equal(0, q.Count);
        });
    }

    [Fact]
    public void A_reserved_sequence_pushed_later_pops_where_an_eager_push_would_have()
    {
        // Ops: pop, push, reserve a (time, sequence) key, or push the oldest held reservation whose key is still
        // ahead of the last pop (a reservation already passed is dropped: the engine runs it in place instead).
        var op = Gen.Select(Gen.Int[0, 4], Gen.Int[0, s_kinds.Length - 1], Gen.Int[0, 40]);
        op.Array[1, 400].Sample(script =>
        {
            var q = new EventQueue();
            var reference = new List<(long Time, long Seq, SimEventKind Kind, int Target)>();
            var held = new List<(long Time, long Seq, SimEventKind Kind, int Target)>();
            long now = 0, lastSeq = -1, seq = 0;
            var target = 0;
            foreach (var (what, kind, delay) in script)
            {
                if (what == 0 && reference.Count > 0)
                {
                    var expected = reference.OrderBy(r => r.Time).ThenBy(r => r.Seq).First();
                    AssertPop(q, reference, ref now);
                    lastSeq = expected.Seq;
                }
                else if (what == 3)
                {
                    held.Add((now + 1 + delay, q.ReserveSequence(), s_kinds[kind], target++));
                    Assert.Equal(seq++, held[^1].Seq);
                }
                else if (what == 4 && held.Count > 0)
                {
                    var h = held[0];
                    held.RemoveAt(0);
                    if (h.Time > now || (h.Time == now && h.Seq > lastSeq))
                    {
                        q.PushReserved(h.Time, h.Seq, h.Kind, h.Target, h.Target * 7L);
                        reference.Add(h);
                    }
                }
                else
                {
                    q.Push(now + delay, s_kinds[kind], target, target * 7L);
                    reference.Add((now + delay, seq++, s_kinds[kind], target));
                    target++;
                }

                Assert.Equal(reference.Count, q.Count);
            }

            while (reference.Count > 0)
            {
                AssertPop(q, reference, ref now);
            }
        });
    }

    private static void AssertPop(EventQueue q, List<(long Time, long Seq, SimEventKind Kind, int Target)> reference, ref long now)
    {
        var expected = reference.OrderBy(r => r.Time).ThenBy(r => r.Seq).First();
        reference.Remove(expected);
        var ev = q.Pop();
        Assert.Equal((expected.Time, expected.Seq, expected.Kind, expected.Target, expected.Target * 7L),
            (ev.TimeNs, ev.Sequence, ev.Kind, ev.Target, ev.Generation));
        now = ev.TimeNs;
    }

    [Theory]
    [InlineData(99, false)]
    [InlineData(100, true)]
    [InlineData(101, true)]
    public void TryPop_takes_the_earliest_event_only_when_it_is_due(long maxTimeNs, bool taken)
    {
        var q = new EventQueue();
        q.Push(200, SimEventKind.ApicTimer, 1);
        q.Push(100, SimEventKind.ApicTimer, 2);
        q.Push(150, SimEventKind.CpuResume, 3);
        Assert.Equal(taken, q.TryPop(maxTimeNs, out var ev));
        Assert.Equal(taken ? 2 : 0, ev.Target);
        Assert.Equal(taken ? 2 : 3, q.Count);
        Assert.False(new EventQueue().TryPop(long.MaxValue, out _));
    }

    [Fact]
    public void Pop_on_an_empty_queue_is_a_programmer_error()
    {
        Assert.Throws<InvalidOperationException>(() => new EventQueue().Pop());
    }
}
