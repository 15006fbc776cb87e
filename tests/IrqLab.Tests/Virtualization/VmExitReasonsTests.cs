using IrqLab.Virtualization;
using Xunit;

namespace IrqLab.Tests.Virtualization;

/// <summary>Exit reason numbers and names: arch/x86/include/uapi/asm/vmx.h EXIT_REASON_* and VMX_EXIT_REASONS.</summary>
public sealed class VmExitReasonsTests
{
    [Theory]
    [InlineData(VmExitReasons.ExceptionNmi, 0, "EXCEPTION_NMI")]
    [InlineData(VmExitReasons.ExternalInterrupt, 1, "EXTERNAL_INTERRUPT")]
    [InlineData(VmExitReasons.TripleFault, 2, "TRIPLE_FAULT")]
    [InlineData(VmExitReasons.InitSignal, 3, "INIT_SIGNAL")]
    [InlineData(VmExitReasons.Sipi, 4, "SIPI_SIGNAL")]
    [InlineData(VmExitReasons.InterruptWindow, 7, "INTERRUPT_WINDOW")]
    [InlineData(VmExitReasons.NmiWindow, 8, "NMI_WINDOW")]
    [InlineData(VmExitReasons.TaskSwitch, 9, "TASK_SWITCH")]
    [InlineData(VmExitReasons.Hlt, 12, "HLT")]
    [InlineData(VmExitReasons.InvalidState, 33, "INVALID_STATE")]
    [InlineData(VmExitReasons.MsrLoadFail, 34, "MSR_LOAD_FAIL")]
    [InlineData(VmExitReasons.MonitorTrapFlag, 37, "MONITOR_TRAP_FLAG")]
    [InlineData(VmExitReasons.McheckDuringVmentry, 41, "MCE_DURING_VMENTRY")]
    [InlineData(VmExitReasons.TprBelowThreshold, 43, "TPR_BELOW_THRESHOLD")]
    [InlineData(VmExitReasons.ApicAccess, 44, "APIC_ACCESS")]
    [InlineData(VmExitReasons.EoiInduced, 45, "EOI_INDUCED")]
    [InlineData(VmExitReasons.PreemptionTimer, 52, "PREEMPTION_TIMER")]
    [InlineData(VmExitReasons.ApicWrite, 56, "APIC_WRITE")]
    public void Constant_and_name_match_uapi_vmx_h(int constant, int number, string name)
    {
        Assert.Equal(number, constant);
        Assert.Equal(name, VmExitReasons.Name(constant));
    }

    [Theory]
    [InlineData(10, "CPUID")]
    [InlineData(30, "IO_INSTRUCTION")]
    [InlineData(48, "EPT_VIOLATION")]
    [InlineData(62, "PML_FULL")]
    [InlineData(74, "BUS_LOCK")]
    [InlineData(75, "NOTIFY")]
    [InlineData(77, "TDCALL")]
    [InlineData(84, "MSR_READ_IMM")]
    [InlineData(85, "MSR_WRITE_IMM")]
    public void Other_names_match_uapi_vmx_h(int reason, string name)
    {
        Assert.Equal(name, VmExitReasons.Name(reason));
    }

    [Theory]
    [InlineData(5, "0x5")]    // I/O SMI: no EXIT_REASON_* in the kernel
    [InlineData(11, "0xb")]   // GETSEC
    [InlineData(200, "0xc8")]
    public void Unnamed_reasons_print_as_hex_like_print_symbolic(int reason, string name)
    {
        Assert.Equal(name, VmExitReasons.Name(reason));
    }

    [Fact]
    public void Name_uses_the_basic_reason_bits_15_0_SDM_24_9_1()
    {
        Assert.Equal("INVALID_STATE", VmExitReasons.Name(unchecked((int)(VmExitReasons.FailedVmEntry | 33))));
    }
}
