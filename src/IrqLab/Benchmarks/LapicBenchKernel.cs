using IrqLab.Hardware.Apic;

namespace IrqLab.Benchmarks;

/// <summary>
/// A <c>lapic.*</c> kernel: one local APIC under test over a seeded sequence of vectors 0x20-0xFF, the sum of the
/// vectors it acknowledged, and the checksum of both (native: <c>bench_lapic</c>, <c>lapic_checksum()</c>).
/// </summary>
internal abstract class LapicBenchKernel : BenchKernel
{
    private readonly LocalApic _apic = new(0, 0, new BenchApicHost(), new LocalApicOptions());

    protected LapicBenchKernel(string name, string nativeExport, ulong seed, int length)
        : base(name, nativeExport, BenchSequence.CreateRange(seed, length, 0x20, 0xff))
    {
    }

    /// <summary>The APIC under test.</summary>
    public LocalApic Apic => _apic;

    /// <summary>The sum of the vectors acknowledged so far (read before and written after each timed loop).</summary>
    protected ulong AckSum { get; set; }

    public sealed override ulong Checksum() => LapicChecksum(_apic, AckSum);

    /// <summary>Folds the APIC's counters and registers (native <c>lapic_checksum()</c>).</summary>
    private static ulong LapicChecksum(LocalApic apic, ulong ackSum)
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
