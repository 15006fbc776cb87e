using CsCheck;
using IrqLab.Hardware;
using IrqLab.Hardware.IoApic;
using Xunit;
using IoApicDevice = IrqLab.Hardware.IoApic.IoApic;

namespace IrqLab.Tests.Hardware.IoApic;

/// <summary>
/// Conservation (ARCHITECTURE.md "none disappears"; shared/reference/x86-events.md §4.3): over random pin level, pulse,
/// EOI, mask, trigger and polarity sequences every assertion is delivered, coalesced, masked, withdrawn or pending,
/// and no asserted, unmasked level line is left without an outstanding message.
/// </summary>
public sealed class IoApicPropertyTests
{
    private const int Pins = 4;

    public readonly record struct Op(int Kind, int Pin, bool Flag, int VectorIndex);

    private static readonly Gen<Op[]> Ops =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, Pins - 1], Gen.Bool, Gen.Int[0, 2], (k, p, f, v) => new Op(k, p, f, v))
            .Array[1, 80];

    /// <summary>What the fake sink does from inside Deliver.</summary>
    public enum Reentrancy
    {
        /// <summary>Nothing.</summary>
        None,

        /// <summary>EOI the delivered vector on every other delivery (a handler that runs synchronously).</summary>
        Eoi,

        /// <summary>Apply the next operation of the sequence on every other delivery (any register or pin change).</summary>
        NextOp,
    }

    [Theory]
    [InlineData(Reentrancy.None)]
    [InlineData(Reentrancy.Eoi)]    // re-entrant calls are queued, not lost, and storms are bounded
    [InlineData(Reentrancy.NextOp)]
    public void Every_assertion_is_delivered_coalesced_masked_withdrawn_or_pending(Reentrancy reentrancy)
    {
        Ops.Sample(ops => Run(ops, reentrancy), iter: 400, threads: 1);
    }

    private static void Run(Op[] ops, Reentrancy reentrancy)
    {
        var sink = new MessageRecorder();
        var ioApic = new IoApicDevice(0, Pins, sink);
        int cursor = 0;
        for (int pin = 0; pin < Pins; pin++)
        {
            ioApic.SetEntry(pin, RedirectionEntry.Create((byte)(0x40 + (pin % 3)), triggerMode: TriggerMode.Level).Raw);
        }

        sink.OnDeliver = reentrancy switch
        {
            Reentrancy.Eoi => m =>
            {
                if (sink.Count % 2 == 1)
                {
                    ioApic.BroadcastEoi(m.Vector);
                }
            },
            Reentrancy.NextOp => _ =>
            {
                if (sink.Count % 2 == 1 && cursor < ops.Length)
                {
                    Apply(ioApic, ops[cursor++]);
                }
            },
            _ => null,
        };

        while (cursor < ops.Length)
        {
            var op = ops[cursor++];
            var sentBefore = sink.Count;
            var edgeSends = SendsOnItsAssertingEdge(ioApic, op);
            Apply(ioApic, op);
            if (edgeSends && (op.Kind == 2 || ioApic.IsPinAsserted(op.Pin)))
            {
                // Checked against the sink, not against the device's own counters (which balance by construction).
                Assert.True(sink.Count > sentBefore, $"pin {op.Pin}: asserting edge of an unmasked, idle edge entry sent no message");
            }

            Check(ioApic, sink);
        }

        // Quiesce: stop the re-entrant handler, unmask everything, run deferred re-deliveries, EOI every vector once:
        // nothing may stay pending.
        sink.OnDeliver = null;
        ioApic.ServiceDeferred();
        for (int pin = 0; pin < Pins; pin++)
        {
            ioApic.SetEntry(pin, ioApic.GetEntry(pin).WithMasked(false).Raw);
        }

        for (int vector = 0x40; vector < 0x43; vector++)
        {
            ioApic.BroadcastEoi(vector);
        }

        Check(ioApic, sink);
        Assert.Equal(0, ioApic.PendingCount);
        Assert.False(ioApic.HasDeferred);
    }

    /// <summary>
    /// An edge-triggered entry sends its message on the input's asserting transition (82093AA datasheet §3.2.4,
    /// IOREDTBL bit 15 "Trigger Mode ... 0=Edge sensitive"; QEMU ioapic_set_irq: an edge entry is serviced when the pin
    /// goes to its asserted level). True when <paramref name="op"/> drives a pin whose fixed-mode entry is edge, unmasked,
    /// not asserted and has no send outstanding (its latch clear), so the conservation identity cannot hide a lost edge
    /// as "coalesced".
    /// </summary>
    private static bool SendsOnItsAssertingEdge(IoApicDevice ioApic, Op op)
    {
        if (op.Kind is not (0 or 1 or 2))
        {
            return false;
        }

        var entry = ioApic.GetEntry(op.Pin);
        return entry.TriggerMode == TriggerMode.Edge && !entry.Masked && !ioApic.IsPinAsserted(op.Pin) && !ioApic.IsLatched(op.Pin);
    }

    private static void Apply(IoApicDevice ioApic, Op op)
    {
        var entry = ioApic.GetEntry(op.Pin);
        switch (op.Kind)
        {
            case 0:
            case 1:
                ioApic.SetPinLevel(op.Pin, op.Flag);
                break;
            case 2:
                ioApic.PulsePin(op.Pin);
                break;
            case 3:
                ioApic.BroadcastEoi(0x40 + op.VectorIndex);
                break;
            case 4:
                ioApic.WriteMmio(IoApicDevice.EoiOffset, (uint)(0x40 + op.VectorIndex));
                break;
            case 5:
                ioApic.SetEntry(op.Pin, entry.WithMasked(op.Flag).Raw);
                break;
            case 6:
                ioApic.SetEntry(op.Pin, op.Flag ? entry.Raw | RedirectionEntry.TriggerModeBit : entry.Raw & ~RedirectionEntry.TriggerModeBit);
                break;
            default:
                ioApic.SetEntry(op.Pin, op.Flag ? entry.Raw | RedirectionEntry.PolarityBit : entry.Raw & ~RedirectionEntry.PolarityBit);
                break;
        }
    }

    private static void Check(IoApicDevice ioApic, MessageRecorder sink)
    {
        Assert.Equal(sink.Count, ioApic.DeliveredCount);
        Assert.Equal(
            ioApic.AssertionCount,
            ioApic.DeliveredCount - ioApic.RedeliveredCount + ioApic.CoalescedCount + ioApic.MaskedCount
                + ioApic.RejectedCount + ioApic.WithdrawnCount + ioApic.PendingCount);
        for (int pin = 0; pin < Pins; pin++)
        {
            var entry = ioApic.GetEntry(pin);
            Assert.False(entry.DeliveryStatus);
            if (entry.TriggerMode == TriggerMode.Level)
            {
                Assert.False(ioApic.IsPending(pin) && entry.RemoteIrr, $"pin {pin}: pending behind its own remote IRR");
                Assert.Equal(ioApic.IsPinAsserted(pin), ioApic.IsLatched(pin));
                if (ioApic.IsPinAsserted(pin) && !entry.Masked && !ioApic.IsDeferred(pin))
                {
                    Assert.True(entry.RemoteIrr, $"pin {pin}: asserted, unmasked level line with no message outstanding");
                }
            }
            else
            {
                Assert.False(entry.RemoteIrr);
                if (!entry.Masked)
                {
                    Assert.False(ioApic.IsLatched(pin), $"pin {pin}: unmasked edge latch not sent");
                }
            }
        }
    }
}
