using IrqLab.Hardware;
using IrqLab.Hardware.Apic;

namespace IrqLab.Benchmarks;

/// <summary>
/// <c>lapic.accept_eoi</c>: per seeded vector, <see cref="LocalApic.Accept"/> a fixed edge message, acknowledge it and
/// EOI it (native: <c>irqlab_native_lapic_accept_eoi</c>).
/// </summary>
internal sealed class LapicAcceptEoiKernel : BenchKernel
{
    private readonly LocalApic _apic = new(0, 0, new BenchApicHost(), new LocalApicOptions());
    private ulong _ackSum;

    public LapicAcceptEoiKernel(ulong seed, int length)
        : base("lapic.accept_eoi", "irqlab_native_lapic_accept_eoi", BenchSequence.CreateRange(seed, length, 0x20, 0xff))
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
            for (var i = 0; i < vectors.Length; i++)
            {
                apic.Accept(InterruptMessage.FixedTo(0, vectors[i]));
                ackSum += (ulong)apic.Acknowledge();
                apic.Eoi();
            }
        }

        _ackSum = ackSum;
    }

    public override ulong Checksum() => LapicScanKernel.LapicChecksum(_apic, _ackSum);
}
