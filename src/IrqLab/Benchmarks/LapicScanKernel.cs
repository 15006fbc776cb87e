using IrqLab.Hardware;

namespace IrqLab.Benchmarks;

/// <summary>
/// <c>lapic.highest_priority_scan</c>: the 256-bit IRR/ISR scans with the PPR compare. Per batch of
/// <see cref="Batch"/> seeded vectors: accept them all, then acknowledge (nesting) while the highest IRR class beats the
/// PPR class, EOI the nest, and repeat until IRR is empty (native: <c>irqlab_native_lapic_highest_priority_scan</c>).
/// </summary>
internal sealed class LapicScanKernel : LapicBenchKernel
{
    /// <summary>Vectors accepted before each drain.</summary>
    public const int Batch = 8;

    public LapicScanKernel(ulong seed, int length)
        : base("lapic.highest_priority_scan", "irqlab_native_lapic_highest_priority_scan", seed, length)
    {
    }

    public override void Run(int iterations)
    {
        var apic = Apic;
        var vectors = Vectors;
        var ackSum = AckSum;
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

        AckSum = ackSum;
    }
}
