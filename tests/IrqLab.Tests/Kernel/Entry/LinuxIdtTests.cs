using IrqLab.Delivery;
using IrqLab.Kernel.Entry;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel.Entry;

/// <summary>arch/x86/kernel/idt.c: def_idts, early_idts, apic_idts, idt_setup_apic_and_irq_gates (linux-dispatch.md §1.1, §3.1).</summary>
public sealed class LinuxIdtTests
{
    private static bool StaticOnly(VectorLayout layout, int v) =>
        layout.GetSystemVector(v) is { Install: SystemVectorInstall.Static };

    [Theory]
    [InlineData(8, 1)]  // IST_INDEX_DF + 1
    [InlineData(2, 2)]  // IST_INDEX_NMI + 1
    [InlineData(1, 3)]  // IST_INDEX_DB + 1
    [InlineData(18, 4)] // IST_INDEX_MCE + 1
    [InlineData(29, 5)] // IST_INDEX_VC + 1
    [InlineData(14, 0)]
    [InlineData(13, 0)]
    [InlineData(3, 0)]
    public void Ist_gates_page_64_types_h(int vector, int ist)
    {
        var layout = VectorLayout.For(KernelVersion.Latest);
        var idt = LinuxIdt.Build(layout, v => StaticOnly(layout, v), ia32Emulation: true);
        Assert.Equal(ist, idt[vector].Ist);
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(4, 3)]
    [InlineData(0x80, 3)]
    [InlineData(14, 0)]
    [InlineData(0x41, 0)]
    [InlineData(0xec, 0)]
    public void Dpl3_only_for_BP_OF_and_int80_SYSG_idt_c(int vector, int dpl)
    {
        var layout = VectorLayout.For(KernelVersion.V6_10);
        var idt = LinuxIdt.Build(layout, v => StaticOnly(layout, v), ia32Emulation: true);
        Assert.Equal(dpl, idt[vector].Dpl);
    }

    [Fact]
    public void Every_gate_is_a_present_interrupt_gate_with_KERNEL_CS_idt_c_G_macro()
    {
        var layout = VectorLayout.For(KernelVersion.V6_9);
        var idt = LinuxIdt.Build(layout, v => StaticOnly(layout, v), ia32Emulation: false);
        for (var v = 0; v < 256; v++)
        {
            Assert.True(idt[v].Present);
            Assert.Equal(GateType.Interrupt, idt[v].Type);
            Assert.Equal(LinuxIdt.KernelCs, idt[v].Selector);
        }
    }

    [Theory]
    [InlineData(KernelVersion.V6_10, 0x20, EntryTargetKind.CommonInterrupt, "common_interrupt")]
    [InlineData(KernelVersion.V6_10, 0xea, EntryTargetKind.CommonInterrupt, "common_interrupt")]
    [InlineData(KernelVersion.V6_10, 0xeb, EntryTargetKind.SystemVector, "sysvec_posted_msi_notification")]
    [InlineData(KernelVersion.V6_9, 0xeb, EntryTargetKind.CommonInterrupt, "common_interrupt")]
    [InlineData(KernelVersion.V6_10, 0xec, EntryTargetKind.SystemVector, "sysvec_apic_timer_interrupt")]
    [InlineData(KernelVersion.V6_10, 0xf3, EntryTargetKind.Spurious, "spurious_interrupt")]   // HYPERVISOR_CALLBACK_VECTOR not installed
    [InlineData(KernelVersion.V6_10, 0xef, EntryTargetKind.Spurious, "spurious_interrupt")]   // MANAGED_IRQ_SHUTDOWN_VECTOR
    [InlineData(KernelVersion.V6_10, 0xfd, EntryTargetKind.SystemVector, "sysvec_reschedule_ipi")]
    [InlineData(KernelVersion.V6_1, 0x20, EntryTargetKind.SystemVector, "sysvec_irq_move_cleanup")]
    [InlineData(KernelVersion.V6_10, 0x80, EntryTargetKind.Syscall, "do_int80_emulation")]
    [InlineData(KernelVersion.V6_1, 0x80, EntryTargetKind.Syscall, "do_int80_syscall_32")]
    [InlineData(KernelVersion.V6_6, 0x80, EntryTargetKind.Syscall, "do_int80_syscall_32")]   // idt.c v6.6: entry_INT80_compat gate
    [InlineData(KernelVersion.V6_9, 0x80, EntryTargetKind.Syscall, "do_int80_emulation")]    // idt.c v6.9: asm_int80_emulation gate -> int80_emulation stub (7390db8aea0d) -> do_int80_emulation
    [InlineData(KernelVersion.V6_10, 2, EntryTargetKind.Nmi, "exc_nmi")]
    [InlineData(KernelVersion.V6_10, 14, EntryTargetKind.Exception, "exc_page_fault")]
    [InlineData(KernelVersion.V6_10, 15, EntryTargetKind.Exception, "exc_spurious_interrupt_bug")]
    [InlineData(KernelVersion.V6_10, 22, EntryTargetKind.Unhandled, "early_idt_handler_array")]
    public void TargetOf_and_gate_round_trip_idt_c(KernelVersion version, int vector, EntryTargetKind kind, string handler)
    {
        var layout = VectorLayout.For(version);
        var target = LinuxIdt.TargetOf(layout, vector, v => StaticOnly(layout, v), ia32Emulation: true);
        Assert.Equal(new EntryTarget(kind, handler, vector), target);
        var idt = LinuxIdt.Build(layout, v => StaticOnly(layout, v), ia32Emulation: true);
        Assert.Equal(target, LinuxIdt.TargetOfGate(layout, idt[vector], v => StaticOnly(layout, v), true));
    }

    [Fact]
    public void Every_gate_maps_back_to_its_vector_target()
    {
        foreach (var version in Enum.GetValues<KernelVersion>())
        {
            var layout = VectorLayout.For(version);
            var idt = LinuxIdt.Build(layout, v => StaticOnly(layout, v), ia32Emulation: true);
            for (var v = 0; v < 256; v++)
            {
                Assert.Equal(
                    LinuxIdt.TargetOf(layout, v, x => StaticOnly(layout, x), true),
                    LinuxIdt.TargetOfGate(layout, idt[v], x => StaticOnly(layout, x), true));
            }
        }
    }

    [Fact]
    public void Irq_stubs_are_IDT_ALIGN_apart_from_irq_entries_start_idt_c()
    {
        var layout = VectorLayout.For(KernelVersion.Latest);
        var idt = LinuxIdt.Build(layout, v => StaticOnly(layout, v), true);
        Assert.Equal((ulong)LinuxIdt.IdtAlign, idt[0x42].Offset - idt[0x41].Offset);
    }

    [Fact]
    public void Runtime_installed_hypervisor_vector_gets_a_direct_gate_alloc_intr_gate()
    {
        var layout = VectorLayout.For(KernelVersion.Latest);
        var target = LinuxIdt.TargetOf(layout, 0xf3, v => v == 0xf3 ? "sysvec_kvm_asyncpf_interrupt" : null, EntryConfig.AllHandlers(true));
        Assert.Equal(new EntryTarget(EntryTargetKind.SystemVector, "sysvec_kvm_asyncpf_interrupt", 0xf3), target);
    }

    [Theory]
    [InlineData(18, "X86_MCE")]
    [InlineData(29, "AMD_MEM_ENCRYPT")]
    public void Configured_out_IST_exception_keeps_the_early_handler_without_IST_idt_c(int vector, string option)
    {
        var layout = VectorLayout.For(KernelVersion.Latest);
        var config = EntryConfig.FromKconfig(o => o != option, KernelVersion.Latest);
        var idt = LinuxIdt.Build(layout, v => null, config);
        Assert.Equal(0, idt[vector].Ist);
        Assert.Equal(EntryTargetKind.Unhandled, LinuxIdt.TargetOf(layout, vector, v => null, config).Kind);
    }

    [Fact]
    public void Without_a_local_APIC_every_external_vector_is_an_irq_stub_irq_vectors_h()
    {
        var layout = VectorLayout.For(KernelVersion.V6_10, localApic: false);
        Assert.Equal(EntryTargetKind.CommonInterrupt, LinuxIdt.TargetOf(layout, 0xff, _ => false, false).Kind);
    }

    [Fact]
    public void Linux_IDT_delivers_a_device_vector_through_an_interrupt_gate_SDM_6_12()
    {
        var layout = VectorLayout.For(KernelVersion.V6_10);
        var idt = LinuxIdt.Build(layout, v => StaticOnly(layout, v), true);
        var state = new CpuInterruptState { If = true };
        var outcome = new IdtDelivery(idt).Deliver(state, CpuEvent.Interrupt(0x41));
        Assert.Equal(DeliveryOutcomeKind.Delivered, outcome.Kind);
        Assert.False(state.If);
        Assert.Equal(EntryTargetKind.CommonInterrupt, LinuxIdt.TargetOfGate(layout, outcome.Gate!.Value, v => StaticOnly(layout, v), true).Kind);
    }
}
