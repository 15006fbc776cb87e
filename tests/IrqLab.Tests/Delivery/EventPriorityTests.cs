using IrqLab.Delivery;
using Xunit;

namespace IrqLab.Tests.Delivery;

/// <summary>SDM Vol. 3A Table 6-2, priority among simultaneous exceptions and interrupts.</summary>
public sealed class EventPriorityTests
{
    [Theory]
    [InlineData(EventType.HardwareException, 18, EventPriorityClass.ResetOrMachineCheck)]
    [InlineData(EventType.HardwareException, 1, EventPriorityClass.PreviousInstructionTrap)]
    [InlineData(EventType.Nmi, 2, EventPriorityClass.Nmi)]
    [InlineData(EventType.ExternalInterrupt, 0x40, EventPriorityClass.MaskableInterrupt)]
    [InlineData(EventType.HardwareException, 6, EventPriorityClass.DecodeFault)]
    [InlineData(EventType.HardwareException, 7, EventPriorityClass.DecodeFault)]
    [InlineData(EventType.HardwareException, 14, EventPriorityClass.ExecuteFault)]
    [InlineData(EventType.HardwareException, 13, EventPriorityClass.ExecuteFault)]
    [InlineData(EventType.SoftwareInterrupt, 0x80, EventPriorityClass.ExecuteFault)]
    public void Class_per_SDM_Table_6_2(EventType type, int vector, EventPriorityClass expected) =>
        Assert.Equal(expected, EventPriority.ClassOf(type, vector));

    [Fact]
    public void Code_breakpoint_and_code_fetch_faults_SDM_Table_6_2()
    {
        Assert.Equal(EventPriorityClass.CodeBreakpointFault, EventPriority.ClassOf(EventType.HardwareException, 1, codeBreakpoint: true));
        Assert.Equal(EventPriorityClass.FetchFault, EventPriority.ClassOf(EventType.HardwareException, 14, codeFetch: true));
    }

    [Fact]
    public void Machine_check_beats_debug_trap_beats_NMI_beats_INTR_beats_faults_SDM_Table_6_2()
    {
        CpuEvent[] pending = [CpuEvent.Exception(13, 0), CpuEvent.Interrupt(0x40), CpuEvent.Nmi(), CpuEvent.Exception(1), CpuEvent.Exception(18)];
        Assert.Equal(4, EventPriority.Highest(pending));
        Assert.Equal(3, EventPriority.Highest(pending.AsSpan(0, 4)));
        Assert.Equal(2, EventPriority.Highest(pending.AsSpan(0, 3)));
        Assert.Equal(1, EventPriority.Highest(pending.AsSpan(0, 2)));
        Assert.Equal(-1, EventPriority.Highest([]));
        Assert.True(EventPriority.Compare(CpuEvent.Nmi(), CpuEvent.Interrupt(0xff)) < 0);
    }

    [Theory]
    [InlineData(EventType.ExternalInterrupt, "ext_int")]
    [InlineData(EventType.Nmi, "nmi")]
    [InlineData(EventType.HardwareException, "hw_exc")]
    [InlineData(EventType.SoftwareInterrupt, "sw_int")]
    [InlineData(EventType.PrivilegedSoftwareException, "priv_sw_exc")]
    [InlineData(EventType.SoftwareException, "sw_exc")]
    [InlineData(EventType.Other, "other")]
    public void Json_names_SCENARIOS_10(EventType type, string name)
    {
        Assert.Equal(name, EventTypeNames.ToJsonName(type));
        Assert.True(EventTypeNames.TryParse(name, out var back));
        Assert.Equal(type, back);
    }
}
