using CsCheck;
using IrqLab.Virtualization;
using Xunit;

namespace IrqLab.Tests.Virtualization;

/// <summary>
/// Property tests over random Post / Harvest / Deliver / VirtualEoi / VTPR / SN sequences (SDM Vol. 3C 29.1-29.2, 29.6):
/// no posted vector is ever lost, and delivery always picks the highest VIRR vector whose class beats VPPR.
/// CsCheck prints the seed of a failing case.
/// </summary>
public sealed class PostedInterruptPropertyTests
{
    private enum Op
    {
        Post,
        Harvest,
        Deliver,
        Eoi,
        SetVtpr,
        SetSn,
        ClearSn,
    }

    private static readonly Gen<int> s_vector = Gen.Frequency(
        (3, (IGen<int>)Gen.Int[0x30, 0x3F]),   // one class: lots of collisions and coalescing
        (2, (IGen<int>)Gen.Int[0x20, 0x9F]),
        (1, (IGen<int>)Gen.Int[0, 255]));

    private static readonly Gen<(Op Op, int Arg)[]> s_ops = Gen.Select(
        Gen.Frequency((5, (IGen<Op>)Gen.Const(Op.Post)), (2, Gen.Const(Op.Harvest)), (3, Gen.Const(Op.Deliver)),
            (3, Gen.Const(Op.Eoi)), (1, Gen.Const(Op.SetVtpr)), (1, Gen.Const(Op.SetSn)), (1, Gen.Const(Op.ClearSn))),
        s_vector).Array[1, 120];

    [Fact]
    public void No_posted_vector_is_lost_and_delivery_picks_the_highest_eligible_vector()
    {
        s_ops.Sample(ops =>
        {
            var pi = new PostedInterruptDescriptor();
            var vapic = new VirtualApic();
            long posted = 0, eoied = 0;
            foreach (var (op, arg) in ops)
            {
                switch (op)
                {
                    case Op.Post:
                        posted++;
                        var wasOn = pi.On;
                        var result = pi.Post(arg);
                        Assert.True(pi.IsPirSet(arg));
                        if (result == PostResult.NotificationNeeded)
                        {
                            Assert.False(wasOn);
                            Assert.False(pi.Sn);
                        }

                        break;
                    case Op.Harvest:
                        // Posted-interrupt processing (SDM 29.6) ORs the PIR into VIRR: every vector set in the PIR is
                        // then set in VIRR, whether or not it is also in service (VISR), and only those already in VIRR
                        // merge. Checked against the PIR and VIRR read beforehand, not against the model's counters.
                        var pending = pi.PendingCount;
                        var inPir = Enumerable.Range(0, 256).Where(pi.IsPirSet).ToArray();
                        var merging = inPir.Count(vapic.IsVirrSet);
                        var coalescedBefore = vapic.CoalescedCount;
                        Assert.Equal(pending, pi.HarvestInto(vapic));
                        Assert.False(pi.On);
                        Assert.All(inPir, v => Assert.True(vapic.IsVirrSet(v), $"posted vector 0x{v:x2} not in VIRR after the harvest"));
                        Assert.Equal(0, pi.PendingCount);
                        Assert.Equal(coalescedBefore + merging, vapic.CoalescedCount);
                        break;
                    case Op.Deliver:
                        var virr = vapic.VirrToArray();
                        var highest = virr.Length == 0 ? -1 : virr[^1];
                        var expected = highest >= 0 && (highest >> 4) > (vapic.Vppr >> 4) ? highest : -1;
                        Assert.Equal(expected, vapic.Deliver());
                        break;
                    case Op.Eoi:
                        if (vapic.VisrCount > 0)
                        {
                            var top = vapic.VisrToArray()[^1];
                            Assert.Equal(top, vapic.VirtualEoi().Vector);
                            eoied++;
                        }

                        break;
                    case Op.SetVtpr:
                        vapic.Vtpr = (byte)arg;
                        break;
                    case Op.SetSn:
                        pi.Sn = true;
                        break;
                    case Op.ClearSn:
                        pi.ClearSuppressNotification();
                        break;
                }

                // Conservation: every post is in PIR, VIRR, VISR, EOI'd, or was counted as coalesced.
                Assert.Equal(posted, pi.PendingCount + vapic.VirrCount + vapic.VisrCount + eoied + pi.CoalescedCount
                    + vapic.CoalescedCount);

                // Guest interrupt status and VPPR stay consistent (29.1.3, 29.2.2, 29.1.4).
                var irr = vapic.VirrToArray();
                var isr = vapic.VisrToArray();
                Assert.Equal(irr.Length == 0 ? 0 : irr[^1], vapic.Rvi);
                Assert.Equal(isr.Length == 0 ? 0 : isr[^1], vapic.Svi);
                var vppr = (vapic.Vtpr >> 4) >= (vapic.Svi >> 4) ? vapic.Vtpr : vapic.Svi & 0xF0;
                Assert.Equal(vppr, vapic.Vppr);

                // ON set implies something was posted since the last harvest.
                Assert.True(!pi.On || pi.PendingCount > 0);
            }
        }, iter: 400);
    }
}
