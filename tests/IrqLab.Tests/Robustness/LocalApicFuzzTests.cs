using CsCheck;
using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using Xunit;
using Xunit.Sdk;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// Issue 8 register fuzzing of the local APIC (xAPIC and x2APIC): random MMIO and MSR accesses over every offset
/// 0x000-0xFF0 and MSR 0x800-0x8FF with random values (reserved bits, illegal vectors 0-15, read-only and write-only
/// registers), IA32_APIC_BASE mode changes, bus messages of every delivery mode, INTA, EOI, LVT sources and timer
/// time. After every operation the SDM's invariants must hold; no exception may escape.
/// </summary>
public sealed class LocalApicFuzzTests
{
    /// <summary>Operation sequences per mode, each up to <see cref="MaxOps"/> long.</summary>
    public const int Sequences = 2500;

    public const int MaxOps = 400;

    public readonly record struct Op(int Kind, uint A, ulong B)
    {
        public override string ToString() => $"({Kind}, 0x{A:X}, 0x{B:X})";
    }

    public sealed record Ops(Op[] Items)
    {
        public override string ToString() => "[" + string.Join(", ", Items.Select(o => o.ToString())) + "]";
    }

    // SDM Table 11-1 (xAPIC, offset >> 4): registers that read, and those that take writes. The EOI register is write-only;
    // the RRD (0x0C) is listed, read-only (note 1: no ESR bit on a write).
    private static readonly HashSet<uint> s_xapicReadable = [.. Range(0x02, 0x04), 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x0E, 0x0F, .. Range(0x10, 0x29), 0x2F, 0x30, 0x31, .. Range(0x32, 0x3A), 0x3E];
    private static readonly HashSet<uint> s_xapicWritable = [0x02, 0x08, 0x0B, 0x0D, 0x0E, 0x0F, 0x28, 0x2F, 0x30, 0x31, .. Range(0x32, 0x39), 0x3E];

    // SDM Table 11-6 (x2APIC MSR - 0x800): no APR, DFR or ICR high; ID and LDR read-only; EOI and SELF IPI write-only.
    private static readonly HashSet<uint> s_x2apicReadable = [0x02, 0x03, 0x08, 0x0A, 0x0D, 0x0F, .. Range(0x10, 0x29), 0x2F, 0x30, .. Range(0x32, 0x3A), 0x3E];
    private static readonly HashSet<uint> s_x2apicWritable = [0x08, 0x0B, 0x0F, 0x28, 0x2F, 0x30, .. Range(0x32, 0x39), 0x3E, 0x3F];

    private static readonly Gen<uint> Offset = Gen.Frequency(
        (12, Gen.Int[0, 0xFF].Select(i => (uint)i << 4)),
        (1, Gen.UInt[0, 0x1100]));

    private static readonly Gen<ulong> Value = Gen.Frequency(
        (3, Gen.ULong[0, 0xFF]),
        (2, Gen.ULong[0, 0x7FF]),
        (2, Gen.ULong[0, 0xFFFF_FFFF]),
        (1, Gen.Int[0, 7].Select(Gen.ULong[0, 0xFF], (m, v) => ((ulong)(uint)m << 8) | v | 0x4000)),
        (1, Gen.ULong));

    private static readonly Gen<Op> OneOp = Gen.Frequency(
        (6, Gen.Select(Offset, Value, (o, v) => new Op(0, o, v))),                          // MMIO write
        (4, Offset.Select(o => new Op(1, o, 0))),                                           // MMIO read
        (6, Gen.Select(Gen.UInt[0x800, 0x8FF], Value, (m, v) => new Op(2, m, v))),          // MSR write
        (4, Gen.UInt[0x800, 0x8FF].Select(m => new Op(3, m, 0))),                           // MSR read
        (8, Gen.Select(Gen.UInt[0, 255], Gen.ULong[0, 3], (v, f) => new Op(4, v, f))),     // fixed message
        (1, Gen.Select(Gen.UInt[0, 7], Gen.UInt[0, 255], (m, v) => new Op(5, v, m))),      // any delivery mode
        (6, Gen.Const(new Op(6, 0, 0))),                                                    // INTA
        (4, Gen.Const(new Op(7, 0, 0))),                                                    // EOI
        (2, Gen.Select(Gen.UInt[0, 5], Gen.Bool, (s, l) => new Op(8, s, l ? 1UL : 0))),    // LVT source
        (2, Gen.ULong[0, 100_000].Select(ns => new Op(9, 0, ns))),                         // time passes
        (1, Gen.OneOfConst(0UL, 0xFEE00800UL, 0xFEE00C00UL, 0xFEE00900UL, 0x1UL).Select(b => new Op(10, 0x1B, b)))); // IA32_APIC_BASE

    private static readonly Gen<Ops> Sequence = OneOp.Array[1, MaxOps].Select(a => new Ops(a));

    private static uint[] Range(uint from, uint toExclusive) => [.. Enumerable.Range((int)from, (int)(toExclusive - from)).Select(i => (uint)i)];

    [Theory]
    [InlineData(false, 11UL)]
    [InlineData(true, 12UL)]
    public void Random_register_and_message_sequences_keep_the_sdm_invariants(bool x2Apic, ulong seed)
    {
        long ops = 0;
        Fuzz.Run(Sequence, seed, Sequences, seq =>
        {
            var host = new CountingApicHost();
            var apic = new LocalApic(0, 0, host, new LocalApicOptions { X2Apic = x2Apic, LinuxInit = (seq.Items.Length & 1) == 0 });
            host.Apic = apic;
            for (var i = 0; i < seq.Items.Length; i++)
            {
                try
                {
                    Apply(host, apic, seq.Items[i]);
                    CheckInvariants(apic);
                }
                catch (Exception e) when (e is not XunitException)
                {
                    throw new XunitException($"op {i} {seq.Items[i]} threw {e.GetType().Name}: {e.Message}");
                }
            }

            ops += seq.Items.Length;
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"lapic fuzz ({(x2Apic ? "x2APIC" : "xAPIC")}): {ops} operations");
        Assert.True(ops >= 400_000, $"only {ops} operations");
    }

    /// <summary>Regression (found by this fuzzer's conservation check): INIT clears ISR bits of interrupts that were
    /// already delivered; they are not "dropped" (SDM 11.4.7.3), so a run's stats must not count them twice.</summary>
    [Fact]
    public void Init_does_not_count_in_service_vectors_as_dropped_SDM_11_4_7_3()
    {
        var host = new CountingApicHost();
        var apic = new LocalApic(0, 0, host, new LocalApicOptions());
        host.Apic = apic;
        apic.Accept(InterruptMessage.FixedTo(0, 0x40));
        Assert.Equal(0x40, apic.Acknowledge());
        apic.Accept(InterruptMessage.FixedTo(0, 0x50));
        apic.Accept(new InterruptMessage(0, DeliveryMode.Init, DestinationMode.Physical, 0));
        Assert.Equal(1, apic.DroppedByResetCount);  // 0x50, never delivered
        Assert.Equal(1, apic.InServiceResetCount);  // 0x40, delivered, in service when INIT came
        Assert.True(apic.Isr.IsEmpty);
        Assert.True(apic.Irr.IsEmpty);
    }

    private static void Apply(CountingApicHost host, LocalApic apic, Op op)
    {
        var mode = apic.Mode;
        switch (op.Kind)
        {
            case 0:
                {
                    var r = apic.WriteMmio(op.A, (uint)op.B);
                    Defined(r);
                    if (mode != LocalApicMode.XApic || (op.A & 0xF) != 0 || op.A >= 0x1000 || !s_xapicWritable.Contains(op.A >> 4))
                    {
                        Expect(ApicAccessResult.Ignored, r, op, "xAPIC MMIO write outside the writable registers (SDM Table 11-1, 11.12.2)");
                    }
                    else
                    {
                        Expect(ApicAccessResult.Ok, r, op, "xAPIC MMIO write to a writable register");
                    }

                    break;
                }

            case 1:
                {
                    var r = apic.ReadMmio(op.A, out var value);
                    Defined(r);
                    var readable = mode == LocalApicMode.XApic && (op.A & 0xF) == 0 && op.A < 0x1000 && s_xapicReadable.Contains(op.A >> 4);
                    Expect(readable ? ApicAccessResult.Ok : ApicAccessResult.Ignored, r, op, "xAPIC MMIO read (SDM Table 11-1)");
                    if (!readable && value != 0)
                    {
                        throw new XunitException($"{op}: an ignored read returned 0x{value:X}");
                    }

                    break;
                }

            case 2:
                {
                    var r = apic.WriteMsr(op.A, op.B);
                    Defined(r);
                    if (mode != LocalApicMode.X2Apic || !s_x2apicWritable.Contains(op.A - 0x800))
                    {
                        Expect(ApicAccessResult.GeneralProtection, r, op, "WRMSR to a non-writable x2APIC MSR raises #GP (SDM 11.12.1.2)");
                    }
                    else if ((op.B >> 32) != 0 && op.A != 0x830)
                    {
                        Expect(ApicAccessResult.GeneralProtection, r, op, "WRMSR with bits 63:32 set raises #GP (SDM 11.12.1.2)");
                    }

                    break;
                }

            case 3:
                {
                    var r = apic.ReadMsr(op.A, out _);
                    Defined(r);
                    var readable = mode == LocalApicMode.X2Apic && s_x2apicReadable.Contains(op.A - 0x800);
                    Expect(readable ? ApicAccessResult.Ok : ApicAccessResult.GeneralProtection, r, op, "RDMSR of x2APIC MSRs (SDM Table 11-6)");
                    break;
                }

            case 4:
                {
                    var level = (op.B & 1) != 0;
                    var before = apic.Irr.IsSet((int)op.A);
                    var r = apic.Accept(new InterruptMessage((byte)op.A, (op.B & 2) != 0 ? DeliveryMode.LowestPriority : DeliveryMode.Fixed, DestinationMode.Physical, 0, level ? TriggerMode.Level : TriggerMode.Edge));
                    Defined(r);
                    if (mode != LocalApicMode.Disabled && op.A < 16)
                    {
                        Expect(AcceptResult.IllegalVector, r, op, "vectors 0-15 are illegal (SDM 11.5.3)");
                    }
                    else if (r == AcceptResult.Accepted && before)
                    {
                        throw new XunitException($"{op}: accepted into an IRR bit that was already set (must coalesce)");
                    }

                    break;
                }

            case 5:
                Defined(apic.Accept(new InterruptMessage((byte)op.A, (DeliveryMode)op.B, DestinationMode.Physical, 0)));
                break;
            case 6:
                {
                    var irr = apic.Irr;
                    var isr = apic.Isr;
                    var highest = irr.Highest();
                    var deliverable = apic.Mode != LocalApicMode.Disabled && highest >= 0 && (highest & 0xF0) > (apic.Ppr & 0xF0);
                    var got = apic.Acknowledge();
                    if (deliverable)
                    {
                        // SDM 11.8.4: INTA returns the highest IRR vector (class above PPR) and moves it to ISR.
                        Assert.True(got == highest, $"INTA returned 0x{got:X2}, expected 0x{highest:X2}");
                        Assert.True(apic.Isr.IsSet(got) && !apic.Irr.IsSet(got), "INTA did not move the vector from IRR to ISR");
                    }
                    else
                    {
                        // SDM 11.9: nothing deliverable → the spurious vector, IRR and ISR untouched.
                        Assert.True(got == apic.SpuriousVector, $"INTA with nothing deliverable returned 0x{got:X2}, not the spurious vector 0x{apic.SpuriousVector:X2}");
                        Assert.True(irr == apic.Irr && isr == apic.Isr, "a spurious INTA changed IRR or ISR");
                    }

                    break;
                }

            case 7:
                {
                    var top = apic.Isr.Highest();
                    apic.Eoi();
                    Assert.True(top < 0 || !apic.Isr.IsSet(top), "EOI did not clear the highest ISR bit (SDM 11.8.5)");
                    break;
                }

            case 8:
                apic.RaiseLocal((LocalInterrupt)op.A, op.B != 0);
                break;
            case 9:
                {
                    host.NowNs += (long)op.B;
                    for (var n = 0; n < 64 && apic.NextTimerEventNs <= host.NowNs; n++)
                    {
                        apic.OnTimer(apic.NextTimerEventNs);
                    }

                    break;
                }

            default:
                Defined(apic.WriteMsr(op.A, op.B));
                break;
        }
    }

    private static void CheckInvariants(LocalApic apic)
    {
        var isr = apic.Isr;
        var isrv = isr.Highest();

        // SDM 11.8.3.1: PPR[7:4] = max(TPR[7:4], ISRV[7:4]); PPR[3:0] = TPR[3:0] when TPR[7:4] >= ISRV[7:4], else 0.
        var isrClass = isrv < 0 ? 0 : isrv & 0xF0;
        var ppr = (apic.Tpr & 0xF0) >= isrClass ? apic.Tpr : isrClass;
        if (apic.Ppr != ppr)
        {
            throw new XunitException($"PPR 0x{apic.Ppr:X2} but TPR 0x{apic.Tpr:X2} and ISRV 0x{isrv:X2} give 0x{ppr:X2} (SDM 11.8.3.1)");
        }

        // A vector is accepted into ISR only when its class is above PPR, which is at least the ISRV class, so nested
        // in-service vectors have strictly increasing classes: at most one ISR bit per priority class (SDM 11.8.3, 11.8.4).
        for (var cls = 0; cls < 16; cls++)
        {
            var word = isr.Word(cls >> 2);
            var bits = (word >> ((cls & 3) * 16)) & 0xFFFF;
            if (System.Numerics.BitOperations.PopCount(bits) > 1)
            {
                throw new XunitException($"two in-service vectors in priority class {cls}: ISR word {cls >> 2} = 0x{word:X16}");
            }
        }

        // No vector below 16 is ever pending or in service (SDM 11.5.3: illegal vectors are refused).
        if ((apic.Irr.Word(0) & 0xFFFF) != 0 || (isr.Word(0) & 0xFFFF) != 0)
        {
            throw new XunitException("a vector 0-15 reached IRR or ISR");
        }

        // INTR (HasInterrupt) is the SDM 11.8.3.1 condition; a software-disabled APIC still presents what IRR holds
        // (SDM 11.4.7.2, KVM kvm_apic_has_interrupt).
        var highest = apic.Irr.Highest();
        var intr = apic.Mode != LocalApicMode.Disabled && highest >= 0 && (highest & 0xF0) > (apic.Ppr & 0xF0);
        if (apic.HasInterrupt != intr)
        {
            throw new XunitException($"HasInterrupt {apic.HasInterrupt}, but IRR highest 0x{highest:X2} and PPR 0x{apic.Ppr:X2} say {intr}");
        }

        // Conservation inside the APIC: every accepted request is pending, in service, EOI'd or cleared by a reset.
        var accounted = apic.Irr.Count + isr.Count + apic.EoiCount + apic.DroppedByResetCount + apic.InServiceResetCount;
        if (apic.AcceptedCount != accounted)
        {
            throw new XunitException($"accepted {apic.AcceptedCount} != IRR {apic.Irr.Count} + ISR {isr.Count} + EOI {apic.EoiCount} + reset-dropped {apic.DroppedByResetCount} + reset-in-service {apic.InServiceResetCount}");
        }
    }

    private static void Defined<T>(T result)
        where T : struct, Enum
    {
        if (!Enum.IsDefined(result))
        {
            throw new XunitException($"undefined {typeof(T).Name} value {result}");
        }
    }

    private static void Expect<T>(T expected, T actual, Op op, string rule)
        where T : struct, Enum
    {
        if (!expected.Equals(actual))
        {
            throw new XunitException($"{op}: {actual}, expected {expected}: {rule}");
        }
    }
}
