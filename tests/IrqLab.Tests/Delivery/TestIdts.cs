using IrqLab.Delivery;

namespace IrqLab.Tests.Delivery;

/// <summary>IDTs for delivery tests, built here so the Delivery tests do not depend on the Kernel layer.</summary>
internal static class TestIdts
{
    public const ushort KernelCs = 0x10;

    /// <summary>Every gate a present DPL-0 interrupt gate, except DPL 3 for 3, 4 and 0x80 (the Linux shape).</summary>
    public static Idt AllPresent(GateType type = GateType.Interrupt)
    {
        var idt = new Idt();
        for (var v = 0; v < 256; v++)
        {
            byte dpl = v is 3 or 4 or 0x80 ? (byte)3 : (byte)0;
            idt[v] = new GateDescriptor(0xFFFF_FFFF_8100_0000UL + (ulong)(v * 16), KernelCs, 0, type, dpl, true);
        }

        return idt;
    }
}
