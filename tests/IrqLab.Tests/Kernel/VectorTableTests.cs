using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>The `irqlab vectors` table (SCENARIOS.md §11).</summary>
public sealed class VectorTableTests
{
    private static IReadOnlyList<VectorTableEntry> Table(KernelVersion v, params (string, bool)[] config) =>
        KernelVectorTable.Build(v, KernelVariant.Mainline, DeliveryKind.Idt, K.Config(config));

    /// <summary>
    /// The syscall slot names the C handler <c>int $0x80</c> reaches (SCENARIOS.md §10, §11): under IDT the gate's
    /// (<c>entry_INT80_compat</c> → <c>do_int80_syscall_32</c> in 6.1/6.6; <c>asm_int80_emulation</c> → the
    /// <c>int80_emulation</c> stub → <c>do_int80_emulation</c> from 6.9, 7390db8aea0d); under FRED <c>fred_intx()</c>'s
    /// (<c>fred_int80_emulation</c>, canonical <c>int80_emulation</c>; the 2022/2023 series called
    /// <c>do_int80_syscall_32</c> there). The table named the asm entries <c>entry_INT80_compat</c> / <c>int80_emulation</c>.
    /// </summary>
    [Theory]
    [InlineData(KernelVersion.V6_1, KernelVariant.Mainline, DeliveryKind.Idt, "do_int80_syscall_32")]
    [InlineData(KernelVersion.V6_6, KernelVariant.Mainline, DeliveryKind.Idt, "do_int80_syscall_32")]
    [InlineData(KernelVersion.V6_9, KernelVariant.Mainline, DeliveryKind.Idt, "do_int80_emulation")]
    [InlineData(KernelVersion.Latest, KernelVariant.Mainline, DeliveryKind.Idt, "do_int80_emulation")]
    [InlineData(KernelVersion.V6_9, KernelVariant.Mainline, DeliveryKind.Fred, "int80_emulation")] // mainline FRED's first release
    [InlineData(KernelVersion.V6_10, KernelVariant.Mainline, DeliveryKind.Fred, "int80_emulation")]
    [InlineData(KernelVersion.V6_1, KernelVariant.Rfc2022, DeliveryKind.Fred, "do_int80_syscall_32")]
    public void Syscall_slot_names_the_int80_C_handler(KernelVersion version, KernelVariant variant, DeliveryKind delivery, string handler)
    {
        var t = KernelVectorTable.Build(version, variant, delivery, K.Config());
        Assert.Equal((VectorKind.Syscall, handler), (t[0x80].Kind, t[0x80].Handler));
    }

    [Fact]
    public void Has_one_entry_per_vector()
    {
        var t = Table(KernelVersion.Latest);
        Assert.Equal(Enumerable.Range(0, 256), t.Select(e => e.Vector));
    }

    [Fact]
    public void System_entry_for_the_local_timer()
    {
        var e = Table(KernelVersion.V6_10)[0xec];
        Assert.Equal(new VectorTableEntry(0xec, "LOCAL_TIMER_VECTOR", VectorKind.System, "sysvec_apic_timer_interrupt", "X86_LOCAL_APIC", "LOC"), e);
    }

    [Fact]
    public void Config_off_system_slot_shows_the_spurious_handler_and_its_row()
    {
        var e = Table(KernelVersion.V6_10, ("X86_THERMAL_VECTOR", false))[0xfa];
        Assert.Equal(("THERMAL_APIC_VECTOR", "spurious_interrupt", "X86_THERMAL_VECTOR", "SPU"), (e.Name, e.Handler, e.Config, e.Row));
    }

    /// <summary>SCENARIOS.md §11: an entry's name is the kernel's constant; for exceptions that is trapnr.h's X86_TRAP_*.</summary>
    [Theory]
    [InlineData(0, "X86_TRAP_DE")]
    [InlineData(2, "X86_TRAP_NMI")]
    [InlineData(9, "X86_TRAP_OLD_MF")]
    [InlineData(15, "X86_TRAP_SPURIOUS")]
    [InlineData(19, "X86_TRAP_XF")]
    [InlineData(21, "X86_TRAP_CP")]
    [InlineData(22, null)]
    [InlineData(28, null)]
    [InlineData(29, "X86_TRAP_VC")]
    [InlineData(30, null)]
    [InlineData(31, null)]
    public void Exception_names_are_the_trapnr_h_constants_null_where_linux_has_none(int vector, string? name)
    {
        Assert.Equal(name, Table(KernelVersion.Latest)[vector].Name);
    }

    /// <summary>idt.c def_idts[]: #VE, #CP and #VC gates exist only with their option, which the model lets a scenario set.</summary>
    [Theory]
    [InlineData(20, "INTEL_TDX_GUEST", "exc_virtualization_exception")]
    [InlineData(21, "X86_CET", "exc_control_protection")]
    [InlineData(29, "AMD_MEM_ENCRYPT", "exc_vmm_communication")]
    public void Guarded_exception_handlers_follow_their_settable_option_idt_c_def_idts(int vector, string option, string handler)
    {
        Assert.Contains(option, IrqLab.Scenarios.Model.KconfigDefaults.All);
        Assert.Equal((null, option), (Table(KernelVersion.V6_10)[vector].Handler, Table(KernelVersion.V6_10)[vector].Config));
        Assert.Equal(handler, Table(KernelVersion.V6_10, (option, true))[vector].Handler);
    }

    /// <summary>
    /// idt.c def_idts[]: #CP's gate is under CONFIG_X86_KERNEL_IBT in 6.1 and under CONFIG_X86_CET from 6.6 on (the
    /// user shadow-stack series), where arch/x86/Kconfig's X86_KERNEL_IBT selects X86_CET. `config` names the version's
    /// guard, and the handler is built in exactly when that guard is set.
    /// </summary>
    [Theory]
    [InlineData(KernelVersion.V6_1, "X86_KERNEL_IBT", null, "X86_KERNEL_IBT", true)]
    [InlineData(KernelVersion.V6_1, "X86_KERNEL_IBT", null, "X86_CET", false)]
    [InlineData(KernelVersion.V6_6, "X86_CET", null, "X86_CET", true)]
    [InlineData(KernelVersion.V6_6, "X86_CET", null, "X86_KERNEL_IBT", true)]
    [InlineData(KernelVersion.V6_10, "X86_CET", null, "X86_KERNEL_IBT", true)]
    [InlineData(KernelVersion.Latest, "X86_CET", null, "X86_CET", true)]
    public void Control_protection_guard_is_the_versions_idt_c_def_idts(
        KernelVersion version, string guard, string? offHandler, string option, bool built)
    {
        Assert.Equal((offHandler, guard), (Table(version)[21].Handler, Table(version)[21].Config));
        Assert.Equal(built ? "exc_control_protection" : null, Table(version, (option, true))[21].Handler);
        Assert.Equal(guard, Table(version, (option, true))[21].Config);
    }

    /// <summary>
    /// arch/x86/entry/entry_fred.c fred_hwexc()/fred_swexc(): under FRED an exception reaches a handler only through their
    /// switch, and a vector with no case is fred_bad_type() whatever its option — 9 (X86_TRAP_OLD_MF) and 15
    /// (X86_TRAP_SPURIOUS) in every version, #VC on 6.9 and 6.10 (the case came with the newest tree). The table showed
    /// the IDT gate's handler under --delivery fred, while a run of the same kernel and config dispatched fred_bad_type.
    /// </summary>
    [Theory]
    [InlineData(KernelVersion.V6_10, 29, "AMD_MEM_ENCRYPT", "exc_vmm_communication", null)]
    [InlineData(KernelVersion.V6_9, 29, "AMD_MEM_ENCRYPT", "exc_vmm_communication", null)]
    [InlineData(KernelVersion.Latest, 29, "AMD_MEM_ENCRYPT", "exc_vmm_communication", "exc_vmm_communication")]
    [InlineData(KernelVersion.V6_9, 9, "SMP", "exc_coproc_segment_overrun", null)]
    [InlineData(KernelVersion.Latest, 15, "SMP", "exc_spurious_interrupt_bug", null)]
    [InlineData(KernelVersion.V6_10, 18, "X86_MCE", "exc_machine_check", "exc_machine_check")]
    [InlineData(KernelVersion.V6_10, 21, "X86_CET", "exc_control_protection", "exc_control_protection")]
    [InlineData(KernelVersion.V6_10, 3, "SMP", "exc_int3", "exc_int3")]
    [InlineData(KernelVersion.V6_10, 14, "SMP", "exc_page_fault", "exc_page_fault")]
    [InlineData(KernelVersion.V6_10, 2, "SMP", "exc_nmi", "exc_nmi")]
    public void Fred_delivery_shows_no_handler_where_fred_hwexc_has_no_case(
        KernelVersion version, int vector, string option, string idtHandler, string? fredHandler)
    {
        var config = K.Config((option, true));
        var idt = KernelVectorTable.Build(version, KernelVariant.Mainline, DeliveryKind.Idt, config)[vector];
        var fred = KernelVectorTable.Build(version, KernelVariant.Mainline, DeliveryKind.Fred, config)[vector];

        Assert.Equal(idtHandler, idt.Handler);
        Assert.Equal(fredHandler, fred.Handler);
        Assert.Equal(idt.Config, fred.Config);
        Assert.Equal(fredHandler is null ? null : idt.Row, fred.Row);
    }

    [Fact]
    public void Kinds_exception_cleanup_isa_syscall_device()
    {
        var t = Table(KernelVersion.V6_1);
        Assert.Equal(("X86_TRAP_PF", VectorKind.Exception, "exc_page_fault"), (t[14].Name, t[14].Kind, t[14].Handler));
        Assert.Equal(("NMI", "exc_nmi"), (t[2].Row, t[2].Handler));
        Assert.Equal(("IRQ_MOVE_CLEANUP_VECTOR", VectorKind.Cleanup, "sysvec_irq_move_cleanup"), (t[0x20].Name, t[0x20].Kind, t[0x20].Handler));
        Assert.Equal(("ISA_IRQ_VECTOR(1)", VectorKind.Isa), (t[0x31].Name, t[0x31].Kind));
        Assert.Equal(("IA32_SYSCALL_VECTOR", VectorKind.Syscall, "do_int80_syscall_32"), (t[0x80].Name, t[0x80].Kind, t[0x80].Handler));
        Assert.Equal((null, VectorKind.Device, "common_interrupt", null, null), (t[0x41].Name, t[0x41].Kind, t[0x41].Handler, t[0x41].Config, t[0x41].Row));
        Assert.Null(t[18].Handler); // X86_MCE off
        Assert.Equal(VectorKind.Device, Table(KernelVersion.V6_10, ("IA32_EMULATION", false))[0x80].Kind);
    }

    [Fact]
    public void Model_table_reflects_runtime_installs()
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_10, config: K.Config(("KVM_GUEST", true))));
        model.InstallSystemVector(0xf3, "sysvec_kvm_asyncpf_interrupt");
        var e = model.VectorTable()[0xf3];
        Assert.Equal(("HYPERVISOR_CALLBACK_VECTOR", "sysvec_kvm_asyncpf_interrupt", "KVM_GUEST", "HYP"), (e.Name, e.Handler, e.Config, e.Row));
    }
}
