using IrqLab.Hardware;
using IrqLab.Hardware.Apic;

namespace IrqLab.Benchmarks;

/// <summary>
/// <c>lapic.accept_eoi</c>: per seeded vector, <see cref="LocalApic.Accept"/> a fixed edge message, acknowledge it and
/// EOI it (native: <c>irqlab_native_lapic_accept_eoi</c>).
/// </summary>
internal sealed class LapicAcceptEoiKernel : LapicBenchKernel
{
    public LapicAcceptEoiKernel(ulong seed, int length)
        : base("lapic.accept_eoi", "irqlab_native_lapic_accept_eoi", seed, length)
    {
    }

    public override void Run(int iterations)
    {
        var apic = Apic;
        var vectors = Vectors;
        var ackSum = AckSum;
        for (var it = 0; it < iterations; it++)
        {
            for (var i = 0; i < vectors.Length; i++)
            {
                apic.Accept(InterruptMessage.FixedTo(0, vectors[i]));
                ackSum += (ulong)apic.Acknowledge();
                apic.Eoi();
            }
        }

        AckSum = ackSum;
    }
}
