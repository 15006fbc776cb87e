using IrqLab.Delivery;
using Xunit;

namespace IrqLab.Tests.Delivery;

/// <summary>
/// IF and the NMI bit saved per frame (SDM Vol. 3A §6.12.1: IRET restores RFLAGS.IF from the frame; FRED's frame NMI
/// bit) survive any nesting depth: the first 64 levels and the deeper ones are stored differently.
/// </summary>
public sealed class DeepNestingStateTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(300)]
    public void Unwinding_restores_each_frame_s_saved_if_and_nmi_bit(int depth)
    {
        var s = new CpuInterruptState();
        for (var d = 0; d < depth; d++)
        {
            s.If = d % 3 != 0;
            s.EnterEvent(clearIf: d % 2 == 0, isNmi: d % 5 == 0);
            Assert.Equal(d % 5 == 0, s.TopFrameIsNmi);
        }

        for (var d = depth - 1; d >= 0; d--)
        {
            Assert.Equal(d % 5 == 0, s.TopFrameIsNmi);
            s.ReturnFromEvent(unblockNmi: true);
            Assert.Equal(d % 3 != 0, s.If);
        }

        Assert.Equal(0, s.FrameDepth);
        Assert.False(s.TopFrameIsNmi);
    }
}
