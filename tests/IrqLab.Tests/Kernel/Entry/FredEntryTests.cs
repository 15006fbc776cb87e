using IrqLab.Delivery;
using IrqLab.Kernel.Entry;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel.Entry;

/// <summary>arch/x86/entry/entry_fred.c: fred_entry_from_user / fred_entry_from_kernel and the per-type helpers.</summary>
public sealed class FredEntryTests
{
    [Theory]
    [InlineData(EventType.ExternalInterrupt, 0xec, false, EntryTargetKind.ExternalInterrupt, "fred_extint")]
    [InlineData(EventType.ExternalInterrupt, 0x41, true, EntryTargetKind.ExternalInterrupt, "fred_extint")]
    [InlineData(EventType.ExternalInterrupt, 0x1f, false, EntryTargetKind.Unhandled, "fred_extint")] // WARN_ON_ONCE(vector < FIRST_EXTERNAL_VECTOR)
    [InlineData(EventType.Nmi, 2, false, EntryTargetKind.Nmi, "exc_nmi")]
    [InlineData(EventType.Nmi, 2, true, EntryTargetKind.Nmi, "exc_nmi")]
    [InlineData(EventType.HardwareException, 14, false, EntryTargetKind.Exception, "exc_page_fault")]
    [InlineData(EventType.HardwareException, 1, true, EntryTargetKind.Exception, "exc_debug")]
    [InlineData(EventType.HardwareException, 8, false, EntryTargetKind.Exception, "exc_double_fault")]
    [InlineData(EventType.HardwareException, 13, true, EntryTargetKind.Exception, "exc_general_protection")]
    [InlineData(EventType.HardwareException, 18, false, EntryTargetKind.Exception, "exc_machine_check")]
    [InlineData(EventType.HardwareException, 21, false, EntryTargetKind.Exception, "exc_control_protection")]
    [InlineData(EventType.HardwareException, 2, false, EntryTargetKind.BadType, "fred_bad_type")]  // NMI never arrives as HWEXC
    [InlineData(EventType.HardwareException, 9, false, EntryTargetKind.BadType, "fred_bad_type")]  // no OLD_MF case in fred_hwexc
    [InlineData(EventType.HardwareException, 15, false, EntryTargetKind.BadType, "fred_bad_type")]
    [InlineData(EventType.HardwareException, 29, false, EntryTargetKind.BadType, "fred_bad_type")] // no #VC case
    [InlineData(EventType.SoftwareInterrupt, 3, true, EntryTargetKind.Exception, "exc_int3")]
    [InlineData(EventType.SoftwareInterrupt, 4, true, EntryTargetKind.Exception, "exc_overflow")]
    [InlineData(EventType.SoftwareInterrupt, 0x80, true, EntryTargetKind.Syscall, "int80_emulation")]
    [InlineData(EventType.SoftwareInterrupt, 0x81, true, EntryTargetKind.Exception, "exc_general_protection")]
    [InlineData(EventType.PrivilegedSoftwareException, 1, false, EntryTargetKind.Exception, "exc_debug")]
    [InlineData(EventType.PrivilegedSoftwareException, 3, true, EntryTargetKind.BadType, "fred_bad_type")]
    [InlineData(EventType.SoftwareException, 3, false, EntryTargetKind.Exception, "exc_int3")]
    [InlineData(EventType.SoftwareException, 4, true, EntryTargetKind.Exception, "exc_overflow")]
    [InlineData(EventType.SoftwareException, 5, true, EntryTargetKind.BadType, "fred_bad_type")]
    [InlineData(EventType.Other, 1, true, EntryTargetKind.Syscall, "do_syscall_64")]
    [InlineData(EventType.Other, 2, true, EntryTargetKind.Syscall, "do_fast_syscall_32")]
    [InlineData(EventType.Other, 3, true, EntryTargetKind.Exception, "exc_invalid_op")]
    public void Route_follows_entry_fred_c(EventType type, int vector, bool fromUser, EntryTargetKind kind, string handler)
    {
        var target = FredEntry.Route(new CpuEvent(type, (byte)vector), fromUser, ia32Emulation: true);
        Assert.Equal(new EntryTarget(kind, handler, vector), target);
    }

    /// <summary>fred_hwexc's #VC case (entry_fred.c): only the newest has it (under CONFIG_AMD_MEM_ENCRYPT).</summary>
    [Theory]
    [InlineData(KernelVersion.V6_9, EntryTargetKind.BadType, "fred_bad_type")]
    [InlineData(KernelVersion.V6_10, EntryTargetKind.BadType, "fred_bad_type")]
    [InlineData(KernelVersion.Latest, EntryTargetKind.Exception, "exc_vmm_communication")]
    public void Vc_route_per_version_entry_fred_c(KernelVersion version, EntryTargetKind kind, string handler)
    {
        var target = FredEntry.Route(new CpuEvent(EventType.HardwareException, 29, 0), false, EntryConfig.AllHandlers(true), longMode: true, version);
        Assert.Equal((kind, handler), (target.Kind, target.Handler));
    }

    [Theory]
    [InlineData(EventType.Reserved, 0, true)]            // reserved type 1
    [InlineData(EventType.Reserved, 2, false)]
    [InlineData(EventType.Nmi, 3, false)]                // NMI type with vector != 2
    [InlineData(EventType.Nmi, 0, true)]
    [InlineData(EventType.SoftwareInterrupt, 0x80, false)] // SWINT only from user
    [InlineData(EventType.SoftwareInterrupt, 3, false)]
    [InlineData(EventType.Other, 1, false)]              // SYSCALL only from user
    public void Invalid_events_go_to_fred_bad_type_entry_fred_c(EventType type, int vector, bool fromUser) =>
        Assert.Equal(EntryTargetKind.BadType, FredEntry.Route(new CpuEvent(type, (byte)vector), fromUser, true).Kind);

    [Fact]
    public void Int80_without_IA32_EMULATION_is_GP_fred_intx()
    {
        var target = FredEntry.Route(new CpuEvent(EventType.SoftwareInterrupt, 0x80), true, ia32Emulation: false);
        Assert.Equal("exc_general_protection", target.Handler);
    }

    [Theory]
    [InlineData(1, false, "exc_invalid_op")]  // SYSCALL from compat mode
    [InlineData(2, true, "exc_invalid_op")]   // SYSENTER from 64-bit mode
    [InlineData(2, false, "do_fast_syscall_32")]
    public void Fred_other_checks_the_frame_L_bit_fred_other(int vector, bool longMode, string handler)
    {
        var config = EntryConfig.AllHandlers(ia32Emulation: true);
        Assert.Equal(handler, FredEntry.Route(new CpuEvent(EventType.Other, (byte)vector), true, config, longMode).Handler);
    }

    [Theory]
    [InlineData(18, "X86_MCE")]
    [InlineData(20, "INTEL_TDX_GUEST")]
    [InlineData(21, "X86_CET", "X86_KERNEL_IBT")] // arch/x86/Kconfig: X86_KERNEL_IBT selects X86_CET
    public void Config_guarded_hwexc_cases_are_bad_type_when_configured_out_fred_hwexc(int vector, string option, string? selectedBy = null)
    {
        var config = EntryConfig.FromKconfig(o => o != option && o != selectedBy, KernelVersion.Latest);
        Assert.Equal(EntryTargetKind.BadType, FredEntry.Route(CpuEvent.Exception((byte)vector), false, config, true).Kind);
        Assert.Equal(EntryTargetKind.Exception, FredEntry.Route(CpuEvent.Exception((byte)vector), false, EntryConfig.FromKconfig(_ => true, KernelVersion.Latest), true).Kind);
    }

    [Theory]
    [InlineData(false, "BUG: invalid or fatal FRED event; event type 1 vector 0 error 0x0 aux 0x0 at 0010:ffffffff81001234")]
    [InlineData(true, "PANIC: invalid or fatal FRED event; event type 1 vector 0 error 0x0 aux 0x0 at 0010:ffffffff81001234")]
    public void Bad_type_message_reserved_type_linux_dispatch_7_4(bool raised, string expected) =>
        Assert.Equal(expected, FredEntry.BadTypeMessage(new CpuEvent(EventType.Reserved, 0), raised, 0, 0, 0x10, 0xffffffff81001234));

    [Fact]
    public void Bad_type_message_NMI_wrong_vector_and_kernel_SWINT_linux_dispatch_7_4()
    {
        Assert.Equal(
            "BUG: invalid or fatal FRED event; event type 2 vector 3 error 0x0 aux 0x1 at 0010:ffffffff81000abc",
            FredEntry.BadTypeMessage(new CpuEvent(EventType.Nmi, 3), false, 0, 1, 0x10, 0xffffffff81000abc));
        Assert.Equal(
            "PANIC: invalid or fatal FRED event; event type 4 vector 128 error 0x1d aux 0xdeadbeef at 0010:00000000000fffff",
            FredEntry.BadTypeMessage(new CpuEvent(EventType.SoftwareInterrupt, 0x80), true, 0x1d, 0xdeadbeef, 0x10, 0xfffff));
        Assert.Equal("emerg", FredEntry.BadTypeLevel(true));
        Assert.Equal("alert", FredEntry.BadTypeLevel(false));
        Assert.Equal("Invalid or fatal FRED event", FredEntry.BadTypeDieString(false));
        Assert.Equal("invalid or fatal FRED event", FredEntry.BadTypeDieString(true));
    }

    [Fact]
    public void Raised_stack_level_comes_from_the_frame_CS_SL_fred_bad_type()
    {
        // An NMI with a bad vector taken in ring 0 on stack level 2: frame.CS.SL = 2 > 0 -> PANIC.
        var ev = new CpuEvent(EventType.Nmi, 7);
        var frame = FredDelivery.BuildFrame(ev, 0xffffffff81000000, 0x10, 0x2, 0xffffc90000001000, 0x18, 2, fromUser: false);
        var text = FredEntry.BadTypeMessage(ev, frame.StackLevel > 0, frame.ErrorCode, frame.EventData, frame.Cs, frame.Rip);
        Assert.StartsWith("PANIC: ", text);
    }
}
