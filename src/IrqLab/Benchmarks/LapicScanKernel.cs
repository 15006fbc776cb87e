using IrqLab.Hardware;
using IrqLab.Hardware.Apic;

namespace IrqLab.Benchmarks;

/// <summary>
/// <c>lapic.highest_priority_scan</c>: the 256-bit IRR/ISR scans with the PPR compare. Per batch of
/// <see cref="Batch"/> seeded vectors: accept them all, then acknowledge (nesting) while the highest IRR class beats the
/// PPR class, EOI the nest, and repeat until IRR is empty (native: <c>irqlab_native_lapic_highest_priority_scan</c>).
/// </summary>
internal sealed class LapicScanKernel : BenchKernel
{
    /// <summary>Vectors accepted before each drain.</summary>
    public const int Batch = 8;

    private readonly LocalApic _apic = new(0, 0, new BenchApicHost(), new LocalApicOptions());
    private ulong _ackSum;

    public LapicScanKernel(ulong seed, int length)
        : base("lapic.highest_priority_scan", "irqlab_native_lapic_highest_priority_scan",
            BenchSequence.CreateRange(seed, length, 0x20, 0xff))
    {
    }

    /// <summary>The APIC under test.</summary>
    public LocalApic Apic => _apic;

    public override void Run(int iterations)
    {
        var apic = _apic;
        var vectors = Vectors;
        var ackSum = _ackSum;
        for (var it = 0; it < iterations; it++)
        {
            for (var i = 0; i < vectors.Length; i += Batch)
            {
                var end = Math.Min(i + Batch, vectors.Length);
                for (var j = i; j < end; j++)
                {
                    apic.Accept(InterruptMessage.FixedTo(0, vectors[j]));
                }

                while (apic.HighestPendingVector() >= 0)
                {
                    var nested = 0;
                    int v;
                    while ((v = apic.HighestPendingVector()) >= 0 && (v & 0xF0) > (apic.Ppr & 0xF0))
                    {
                        ackSum += (ulong)apic.Acknowledge();
                        nested++;
                    }

                    while (nested-- > 0)
                    {
                        apic.Eoi();
                    }
                }
            }
        }

        _ackSum = ackSum;
    }

    public override ulong Checksum() => LapicChecksum(_apic, _ackSum);

    /// <summary>Folds the APIC's counters and registers (native <c>lapic_checksum()</c>).</summary>
    public static ulong LapicChecksum(LocalApic apic, ulong ackSum)
    {
        var h = BenchChecksum.Init;
        h = BenchChecksum.Fold(h, (ulong)apic.AcceptedCount);
        h = BenchChecksum.Fold(h, (ulong)apic.CoalescedCount);
        h = BenchChecksum.Fold(h, (ulong)apic.SpuriousCount);
        h = BenchChecksum.Fold(h, (ulong)apic.EoiCount);
        h = BenchChecksum.Fold(h, ackSum);
        var irr = apic.Irr;
        var isr = apic.Isr;
        for (var i = 0; i < 4; i++)
        {
            h = BenchChecksum.Fold(h, irr.Word(i));
        }

        for (var i = 0; i < 4; i++)
        {
            h = BenchChecksum.Fold(h, isr.Word(i));
        }

        return BenchChecksum.Fold(h, apic.Ppr);
    }
}
