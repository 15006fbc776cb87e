using CsCheck;
using IrqLab.Delivery;
using Xunit;

namespace IrqLab.Tests.Delivery;

/// <summary>
/// The engine's delivery fast paths (FredDelivery.DeliverUnfaulted, IdtDelivery.TryDeliverUnfaulted) must change the
/// CPU state exactly as the full Deliver does when that delivers the event itself (SDM Vol. 3A §6.12 for IDT gates,
/// FRED spec §7 for FRED): same IF, shadows, NMI blocking and frame depth.
/// </summary>
public sealed class UnfaultedDeliveryTests
{
    private static readonly EventType[] s_types =
        [EventType.ExternalInterrupt, EventType.Nmi, EventType.HardwareException, EventType.SoftwareInterrupt, EventType.SoftwareException];

    private static readonly Gen<(bool If, int Shadow, bool NmiBlocked, int Depth, int Type, int Vector)> s_gen =
        Gen.Select(Gen.Bool, Gen.Int[0, 2], Gen.Bool, Gen.Int[0, 3], Gen.Int[0, s_types.Length - 1], Gen.Int[0, 255]);

    private static CpuInterruptState MakeState(bool ifFlag, int shadow, bool nmiBlocked, int depth)
    {
        var s = new CpuInterruptState { If = ifFlag };
        for (var i = 0; i < depth; i++)
        {
            s.EnterEvent(clearIf: false, isNmi: false);
        }

        if (nmiBlocked)
        {
            s.EnterEvent(clearIf: false, isNmi: true);
        }

        if (shadow == 1)
        {
            s.Sti();
        }
        else if (shadow == 2)
        {
            s.MovSs();
        }

        return s;
    }

    private static (bool, bool, bool, bool, int) Snapshot(CpuInterruptState s) => (s.If, s.StiShadow, s.MovSsShadow, s.NmiBlocked, s.FrameDepth);

    [Fact]
    public void Fred_unfaulted_delivery_matches_full_delivery()
    {
        var fred = new FredDelivery(FredConfig.Linux());
        s_gen.Sample(t =>
        {
            var ev = new CpuEvent(s_types[t.Type], (byte)t.Vector);
            var full = MakeState(t.If, t.Shadow, t.NmiBlocked, t.Depth);
            var fast = MakeState(t.If, t.Shadow, t.NmiBlocked, t.Depth);
            var outcome = fred.Deliver(full, ev, currentStackLevel: t.Depth > 0 ? 1 : 0);
            fred.DeliverUnfaulted(fast, ev);
            Assert.Equal(DeliveryOutcomeKind.Delivered, outcome.Kind);
            Assert.Equal(ev, outcome.Delivered);
            Assert.Equal(Snapshot(full), Snapshot(fast));
        });
    }

    [Fact]
    public void Idt_unfaulted_delivery_matches_full_delivery_or_declines_without_change()
    {
        // Gates present only for some vectors, some of them trap gates: the others fault (#NP / #GP) on delivery.
        var idt = new Idt();
        for (var v = 0; v < 256; v += 3)
        {
            idt[v] = new GateDescriptor(0xFFFF_FFFF_8100_0000UL + (ulong)(v * 16), TestIdts.KernelCs, 0,
                v % 2 == 0 ? GateType.Interrupt : GateType.Trap, 0, true);
        }

        var delivery = new IdtDelivery(idt);
        s_gen.Sample(t =>
        {
            var ev = new CpuEvent(s_types[t.Type], (byte)t.Vector);
            var full = MakeState(t.If, t.Shadow, t.NmiBlocked, t.Depth);
            var fast = MakeState(t.If, t.Shadow, t.NmiBlocked, t.Depth);
            var before = Snapshot(fast);
            var outcome = delivery.Deliver(full, ev);
            var taken = delivery.TryDeliverUnfaulted(fast, ev);
            var plain = outcome.Kind == DeliveryOutcomeKind.Delivered && outcome.Delivered == ev;
            Assert.Equal(plain, taken);
            Assert.Equal(taken ? Snapshot(full) : before, Snapshot(fast));
        });
    }
}
