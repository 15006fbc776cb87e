using CsCheck;
using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using Xunit;

namespace IrqLab.Tests.Hardware.Apic;

/// <summary>Invariants over random accept / acknowledge / EOI / TPR sequences (SDM §11.8.3, §11.8.4, §11.8.5).</summary>
public sealed class LocalApicPropertyTests
{
    private enum Op
    {
        AcceptEdge,
        AcceptLevel,
        Acknowledge,
        TryAcknowledge,
        Eoi,
        Tpr,
    }

    private static readonly Gen<(Op Op, int Value)> Step =
        Gen.Frequency(
            (4, Gen.Int[0, 255].Select(v => (Op.AcceptEdge, v))),
            (1, Gen.Int[16, 255].Select(v => (Op.AcceptLevel, v))),
            (3, Gen.Const((Op.Acknowledge, 0))),
            (2, Gen.Const((Op.TryAcknowledge, 0))),
            (2, Gen.Const((Op.Eoi, 0))),
            (1, Gen.Int[0, 255].Select(v => (Op.Tpr, v))));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Acknowledged_vector_is_highest_deliverable_and_nothing_is_lost(bool x2Apic)
    {
        Step.Array[1, 120].Sample(steps =>
        {
            var (_, apic) = FakeApicHost.One(x2Apic);
            long accepted = 0;
            long eoied = 0;
            long illegal = 0;
            foreach (var (op, value) in steps)
            {
                switch (op)
                {
                    case Op.AcceptEdge:
                    case Op.AcceptLevel:
                        var message = InterruptMessage.FixedTo(0, value) with
                        {
                            TriggerMode = op == Op.AcceptLevel ? TriggerMode.Level : TriggerMode.Edge,
                        };
                        var wasPending = value >= 16 && apic.Irr.IsSet(value);
                        var result = apic.Accept(message);
                        if (value < 16)
                        {
                            Assert.Equal(AcceptResult.IllegalVector, result);
                            illegal++;
                        }
                        else
                        {
                            // SDM 11.8.4: an accepted fixed interrupt sets its IRR bit, also while the same vector is
                            // in service (IRR and ISR hold one each); only a request whose IRR bit is already set
                            // collapses into it. Checked against IRR read beforehand, not the APIC's own counters.
                            Assert.Equal(wasPending ? AcceptResult.Coalesced : AcceptResult.Accepted, result);
                            Assert.True(apic.Irr.IsSet(value), $"accepted vector 0x{value:x2} not in IRR");
                            accepted++;
                        }

                        break;
                    case Op.Acknowledge:
                        var irr = apic.Irr;
                        var isr = apic.Isr;
                        var pprClass = apic.Ppr & 0xF0;
                        var highest = irr.Highest();
                        var deliverable = highest >= 0 && (highest & 0xF0) > pprClass;
                        Assert.Equal(deliverable, apic.HasInterrupt);
                        var got = apic.Acknowledge();
                        if (deliverable)
                        {
                            // SDM 11.8.4: the highest pending vector whose class is above the PPR class.
                            Assert.Equal(highest, got);
                            Assert.True(apic.Isr.IsSet(got));
                            Assert.False(apic.Irr.IsSet(got));
                        }
                        else
                        {
                            // SDM 11.9: spurious vector, IRR and ISR untouched.
                            Assert.Equal(apic.SpuriousVector, got);
                            Assert.Equal(irr, apic.Irr);
                            Assert.Equal(isr, apic.Isr);
                        }

                        break;
                    case Op.TryAcknowledge:
                        {
                            // INTR then INTA at one boundary: acknowledges exactly when HasInterrupt holds, never spurious.
                            var highestBefore = apic.Irr.Highest();
                            var irrBefore = apic.Irr;
                            var isrBefore = apic.Isr;
                            var spurious = apic.SpuriousCount;
                            var has = apic.HasInterrupt;
                            Assert.Equal(has, apic.TryAcknowledge(out var vector));
                            Assert.Equal(spurious, apic.SpuriousCount);
                            if (has)
                            {
                                Assert.Equal(highestBefore, vector);
                                Assert.True(apic.Isr.IsSet(vector));
                                Assert.False(apic.Irr.IsSet(vector));
                            }
                            else
                            {
                                Assert.Equal(-1, vector);
                                Assert.Equal(irrBefore, apic.Irr);
                                Assert.Equal(isrBefore, apic.Isr);
                            }
                        }

                        break;
                    case Op.Eoi:
                        var top = apic.Isr.Highest();
                        apic.Eoi();
                        if (top >= 0)
                        {
                            Assert.False(apic.Isr.IsSet(top));
                            eoied++;
                        }

                        break;
                    case Op.Tpr:
                        apic.WriteRegister(ApicRegister.Tpr, (ulong)value);
                        break;
                }

                // SDM 11.8.3.1: PPR = TPR if TPR class >= ISRV class, else ISRV class.
                var isrv = apic.Isr.Highest();
                var isrClass = isrv < 0 ? 0 : isrv & 0xF0;
                Assert.Equal((apic.Tpr & 0xF0) >= isrClass ? apic.Tpr : isrClass, apic.Ppr);

                // Conservation: every accepted request is pending, in service, EOI'd or coalesced.
                Assert.Equal(accepted, apic.Irr.Count + apic.Isr.Count + eoied + apic.CoalescedCount);
                Assert.Equal(illegal, apic.IllegalVectorCount);
            }
        }, iter: 2000, threads: 1);
    }
}
