using CsCheck;
using IrqLab.Hardware;
using IrqLab.Hardware.IoApic;
using Xunit;
using Xunit.Sdk;
using IoApicDevice = IrqLab.Hardware.IoApic.IoApic;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// Issue 8 register fuzzing of the IOAPIC: random MMIO accesses (IOREGSEL, IOWIN, EOI and undecoded offsets), random
/// indirect register writes with every bit random (reserved delivery modes, read-only bits, out-of-range indexes),
/// pin levels, pulses, EOI broadcasts and deferred service, both versions (0x11, 0x20). After every operation the
/// accounting identity of the IoApic remarks holds and no exception escapes.
/// </summary>
public sealed class IoApicFuzzTests
{
    public const int Sequences = 2000;

    private const int Pins = 8;

    public readonly record struct Op(int Kind, uint A, uint B)
    {
        public override string ToString() => $"({Kind}, 0x{A:X}, 0x{B:X})";
    }

    public sealed record Ops(Op[] Items, bool Version20, bool EoiFromSink)
    {
        public override string ToString() => $"version20={Version20} eoiFromSink={EoiFromSink} [" + string.Join(", ", Items.Select(o => o.ToString())) + "]";
    }

    private static readonly Gen<uint> RteWord = Gen.Frequency(
        (3, Gen.Select(Gen.UInt[0x40, 0x43], Gen.UInt[0, 0xF], (v, flags) => v | ((flags & 1) << 13) | ((flags & 2) << 14) | ((flags & 4) << 14))),
        (1, Gen.UInt));

    private static readonly Gen<Op> OneOp = Gen.Frequency(
        (3, Gen.Select(Gen.OneOfConst(0u, 0x10u, 0x40u, 0x20u, 0x44u, 0xFF0u, 0x1000u), Gen.UInt, (o, v) => new Op(0, o, v))), // MMIO write
        (2, Gen.OneOfConst(0u, 0x10u, 0x40u, 0x30u).Select(o => new Op(1, o, 0))),                                          // MMIO read
        (4, Gen.Select(Gen.UInt[0, 0x30], RteWord, (i, v) => new Op(2, i, v))),                                              // indirect write
        (4, Gen.Select(Gen.UInt[0, Pins - 1], Gen.UInt[0, 1], (p, l) => new Op(3, p, l))),                                   // pin level
        (2, Gen.UInt[0, Pins - 1].Select(p => new Op(4, p, 0))),                                                              // pulse
        (3, Gen.UInt[0x3E, 0x44].Select(v => new Op(5, v, 0))),                                                               // EOI broadcast
        (1, Gen.Const(new Op(6, 0, 0))),                                                                                      // deferred service
        (1, Gen.UInt[0, 0xFF].Select(i => new Op(7, i, 0))));                                                                 // indirect read

    private static readonly Gen<Ops> Sequence = Gen.Select(OneOp.Array[1, 300], Gen.Bool, Gen.Bool, (a, v, e) => new Ops(a, v, e));

    [Fact]
    public void Random_register_and_pin_sequences_keep_the_accounting_identity()
    {
        long ops = 0;
        Fuzz.Run(Sequence, seed: 21, Sequences, seq =>
        {
            var sink = new EoiSink();
            var ioApic = new IoApicDevice(0, Pins, sink, seq.Version20 ? (byte)0x20 : (byte)0x11);
            if (seq.EoiFromSink)
            {
                sink.IoApic = ioApic;
            }

            for (var i = 0; i < seq.Items.Length; i++)
            {
                var op = seq.Items[i];
                try
                {
                    Apply(ioApic, op);
                }
                catch (Exception e)
                {
                    throw new XunitException($"op {i} {op} threw {e.GetType().Name}: {e.Message}");
                }

                Check(ioApic, sink, op, i);
            }

            ops += seq.Items.Length;
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"ioapic fuzz: {ops} operations");
        Assert.True(ops >= 250_000, $"only {ops} operations");
    }

    private static void Apply(IoApicDevice ioApic, Op op)
    {
        switch (op.Kind)
        {
            case 0:
                {
                    var r = ioApic.WriteMmio(op.A, op.B);
                    var decoded = op.A is IoApicDevice.IoRegSelOffset or IoApicDevice.IoWinOffset || (op.A == IoApicDevice.EoiOffset && ioApic.HasEoiRegister);
                    if (!decoded && r != IoApicAccessResult.Ignored)
                    {
                        throw new XunitException($"{op}: write to an undecoded offset returned {r}");
                    }

                    break;
                }

            case 1:
                {
                    var r = ioApic.ReadMmio(op.A, out var value);
                    if (op.A is not (IoApicDevice.IoRegSelOffset or IoApicDevice.IoWinOffset) && (r != IoApicAccessResult.Ignored || value != 0))
                    {
                        throw new XunitException($"{op}: read of an undecoded or write-only offset returned {r}, 0x{value:X}");
                    }

                    break;
                }

            case 2:
                {
                    var before = ioApic.ReadIndirect((byte)op.A);
                    ioApic.WriteIndirect((byte)op.A, op.B);
                    var after = ioApic.ReadIndirect((byte)op.A);
                    if (op.A is IoApicDevice.VersionIndex or IoApicDevice.ArbitrationIndex && before != after)
                    {
                        throw new XunitException($"{op}: read-only register {op.A} changed from 0x{before:X} to 0x{after:X}");
                    }

                    break;
                }

            case 3:
                ioApic.SetPinLevel((int)op.A, op.B != 0);
                break;
            case 4:
                ioApic.PulsePin((int)op.A);
                break;
            case 5:
                ioApic.BroadcastEoi((int)op.A);
                break;
            case 6:
                ioApic.ServiceDeferred();
                break;
            default:
                _ = ioApic.ReadIndirect((byte)op.A);
                break;
        }
    }

    private static void Check(IoApicDevice ioApic, EoiSink sink, Op op, int index)
    {
        var accounted = ioApic.DeliveredCount - ioApic.RedeliveredCount + ioApic.CoalescedCount + ioApic.MaskedCount
            + ioApic.RejectedCount + ioApic.WithdrawnCount + ioApic.PendingCount;
        if (ioApic.AssertionCount != accounted || sink.Count != ioApic.DeliveredCount)
        {
            throw new XunitException(
                $"after op {index} {op}: assertions {ioApic.AssertionCount} != delivered {ioApic.DeliveredCount} - redelivered {ioApic.RedeliveredCount} + coalesced {ioApic.CoalescedCount} + masked {ioApic.MaskedCount} + rejected {ioApic.RejectedCount} + withdrawn {ioApic.WithdrawnCount} + pending {ioApic.PendingCount} (sink saw {sink.Count})");
        }

        for (var pin = 0; pin < Pins; pin++)
        {
            var entry = ioApic.GetEntry(pin);
            if (entry.DeliveryStatus)
            {
                throw new XunitException($"after op {index} {op}: pin {pin} delivery status set outside a delivery");
            }

            if (entry.TriggerMode == TriggerMode.Edge && entry.RemoteIrr)
            {
                throw new XunitException($"after op {index} {op}: edge pin {pin} with remote IRR set");
            }
        }
    }

    /// <summary>Counts messages; optionally EOIs every other one from inside the delivery (a re-entrant handler).</summary>
    private sealed class EoiSink : IInterruptSink
    {
        public IoApicDevice? IoApic { get; set; }

        public long Count { get; private set; }

        public void Deliver(in InterruptMessage message)
        {
            Count++;
            if (IoApic is not null && (Count & 1) == 0)
            {
                IoApic.BroadcastEoi(message.Vector);
            }
        }
    }
}
