using IrqLab.Delivery;
using Xunit;

namespace IrqLab.Tests.Delivery;

/// <summary>SDM Vol. 3A Table 6-5 (conditions for generating a double fault) and §6.15 Interrupt 8 (shutdown).</summary>
public sealed class DoubleFaultRuleTests
{
    [Theory]
    [InlineData(11, 13, DoubleFaultResolution.DoubleFault)] // #GP during #NP
    [InlineData(0, 10, DoubleFaultResolution.DoubleFault)]  // #TS during #DE
    [InlineData(12, 21, DoubleFaultResolution.DoubleFault)] // #CP during #SS
    [InlineData(14, 14, DoubleFaultResolution.DoubleFault)] // #PF during #PF
    [InlineData(14, 13, DoubleFaultResolution.DoubleFault)] // #GP during #PF
    [InlineData(20, 14, DoubleFaultResolution.DoubleFault)] // #PF during #VE
    [InlineData(13, 14, DoubleFaultResolution.Serial)]      // contributory then #PF
    [InlineData(0, 20, DoubleFaultResolution.Serial)]       // contributory then #VE
    [InlineData(14, 6, DoubleFaultResolution.Serial)]       // #PF then benign
    [InlineData(13, 6, DoubleFaultResolution.Serial)]       // contributory then benign
    [InlineData(1, 13, DoubleFaultResolution.Serial)]       // benign then contributory
    [InlineData(2, 14, DoubleFaultResolution.Serial)]       // NMI then #PF
    [InlineData(6, 6, DoubleFaultResolution.Serial)]        // benign then benign
    [InlineData(0x40, 11, DoubleFaultResolution.Serial)]    // INTR (all INTR are benign) then #NP
    [InlineData(8, 6, DoubleFaultResolution.TripleFault)]   // anything during #DF
    [InlineData(8, 13, DoubleFaultResolution.TripleFault)]
    [InlineData(8, 14, DoubleFaultResolution.TripleFault)]
    public void Combine_follows_SDM_Table_6_5(int first, int second, DoubleFaultResolution expected) =>
        Assert.Equal(expected, DoubleFaultRule.Combine(first, second));

    [Theory]
    [InlineData(EventType.SoftwareInterrupt, 13)] // INT 13 is benign: "all INT n" (Table 6-4)
    [InlineData(EventType.ExternalInterrupt, 14)]
    [InlineData(EventType.Nmi, 2)]
    public void Only_hardware_exceptions_take_their_vector_class_SDM_Table_6_4(EventType type, int vector) =>
        Assert.Equal(IrqLab.Vectors.DoubleFaultClass.Benign, DoubleFaultRule.ClassOf(new CpuEvent(type, (byte)vector)));
}
