using IrqLab.Kernel;
using IrqLab.Kernel.Irq;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>Flow handlers and EOI ownership (kernel/irq/chip.c, kernel/irq/handle.c, arch/x86/kernel/apic/io_apic.c, i8259.c;
/// linux-dispatch.md §3.3 model note, §4).</summary>
public sealed class FlowTests
{
    private static List<string> Hot(FakePlatform p) =>
        [.. p.Calls.Where(c => !c.StartsWith("ioapic.program", StringComparison.Ordinal) && !c.StartsWith("msi.program", StringComparison.Ordinal))];

    [Fact]
    public void Edge_IO_APIC_acks_the_local_APIC_before_the_handler_handle_edge_irq()
    {
        var model = K.Model(out var p);
        model.RequestIrq(K.Pin(7, "ata0", 14, cost: 2000));
        var d = model.DescAt(14)!;
        Assert.Equal(("IO-APIC", "edge", IrqFlow.Edge), (d.ChipName, d.FlowName, d.Flow));
        p.Calls.Clear();
        var r = model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
        Assert.Equal([$"eoi {d.Cpu}", "ack 7"], Hot(p));
        Assert.Equal((14, 2000L), (r.Irq, r.CostNs));
        Assert.Equal(1UL, d.Kstat(d.Cpu));
    }

    [Fact]
    public void Level_IO_APIC_runs_the_handler_then_ioapic_ack_level_handle_fasteoi_irq()
    {
        var model = K.Model(out var p);
        model.RequestIrq(K.Pin(3, "eth0", 16, level: true, activeLow: true));
        var d = model.DescAt(16)!;
        Assert.Equal(("fasteoi", IrqFlow.FastEoi), (d.FlowName, d.Flow));
        Assert.Contains($"ioapic.program 0 16 0x{d.Vector:x2} cpu{d.Cpu} level=True low=True masked=False", p.Calls);
        p.Tmr.Add((d.Cpu, d.Vector));
        p.Calls.Clear();
        model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
        Assert.Equal(["ack 3", $"eoi {d.Cpu}"], Hot(p));
        Assert.Equal(0UL, model.ProcInterrupts.Count("MIS", 0));
    }

    [Fact]
    public void Level_irq_accepted_as_edge_counts_MIS_and_EOIs_the_IO_APIC_pin_ioapic_ack_level()
    {
        var model = K.Model(out var p);
        model.RequestIrq(K.Pin(3, "eth0", 16, level: true, activeLow: true));
        var d = model.DescAt(16)!;
        p.Calls.Clear();
        model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt); // TMR bit clear
        Assert.Equal(["ack 3", $"eoi {d.Cpu}", $"ioapic.eoi 0 16 0x{d.Vector:x2}"], Hot(p));
        Assert.Equal(1UL, model.ProcInterrupts.Count("MIS", d.Cpu));
    }

    [Fact]
    public void XT_PIC_masks_and_acks_the_8259_then_unmasks_handle_level_irq()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_1, ioapics: []));
        model.RequestIrq(K.Isa(4, "serial", 4));
        var d = model.DescAt(4)!;
        Assert.Equal(("XT-PIC", null, 0x34), (d.ChipName, d.FlowName, d.Vector));
        p.Calls.Clear();
        var r = model.ExternalInterrupt(0, 0x34, EntryRoute.Idt);
        Assert.Equal(["pic.mask 4 True", "pic.eoi 4", "ack 4", "pic.mask 4 False"], Hot(p));
        Assert.Equal(4, r.Irq);
        Assert.Equal(0, p.Eois(0)); // ExtINT: no local APIC EOI
    }

    [Fact]
    public void Without_IO_APIC_the_legacy_vectors_are_installed_on_every_CPU_lapic_online()
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_1, cpus: 3, ioapics: []));
        model.RequestIrq(K.Isa(4, "serial", 4));
        Assert.Equal(4, model.ExternalInterrupt(2, 0x34, EntryRoute.Idt).Irq);
    }

    [Fact]
    public void Msi_x_is_edge_with_apic_ack_before_the_handler()
    {
        var model = K.Model(out var p);
        var irqs = model.RequestIrq(K.MsiX(9, "nvme0", 2));
        var d = model.DescAt(irqs[1])!;
        Assert.Contains($"msi.program 9 1 0x{d.Vector:x2} cpu{d.Cpu}", p.Calls);
        Assert.Contains("msi.mask 9 1 False", p.Calls);
        p.Calls.Clear();
        model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Software);
        Assert.Equal([$"eoi {d.Cpu}", "ack 9"], Hot(p));
    }

    [Fact]
    public void Disabled_edge_irq_goes_pending_masked_and_is_retriggered_on_enable_resend_c()
    {
        var model = K.Model(out var p);
        model.RequestIrq(K.Pin(1, "ata0", 14));
        var d = model.DescAt(14)!;
        model.DisableIrq(14);
        p.Calls.Clear();
        model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
        Assert.Equal(["ioapic.mask 0 14 True", $"eoi {d.Cpu}"], Hot(p));
        Assert.True((d.State & IrqStateFlags.Pending) != 0);
        Assert.Equal(0UL, d.Kstat(d.Cpu));
        p.Calls.Clear();
        model.EnableIrq(14);
        Assert.Equal(["ioapic.mask 0 14 False", $"ipi cpu{d.Cpu} 0x{d.Vector:x2}"], Hot(p));
        Assert.True((d.State & IrqStateFlags.Replay) != 0);
        model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
        Assert.False((d.State & IrqStateFlags.Replay) != 0);
        Assert.Equal(1UL, d.Kstat(d.Cpu));
    }

    /// <summary>
    /// kernel/irq/manage.c <c>__enable_irq()</c> at depth 0: <c>WARN(1, KERN_WARNING "Unbalanced enable for IRQ %d\n")</c>,
    /// the message and then the WARNING line, on every unbalanced call (WARN, not WARN_ONCE); the irq stays as it was.
    /// </summary>
    [Fact]
    public void Unbalanced_enable_warns_every_time_manage_c_enable_irq()
    {
        var model = K.Model(out var p);
        model.RequestIrq(K.Pin(1, "ata0", 14));
        var d = model.DescAt(14)!;
        p.Calls.Clear();
        p.Logs.Clear();
        model.EnableIrq(14);
        model.EnableIrq(14);
        var texts = p.Texts.ToList();
        Assert.Equal(4, texts.Count);
        for (var i = 0; i < 4; i += 2)
        {
            Assert.Equal("Unbalanced enable for IRQ 14", texts[i]);
            Assert.Matches(@"^WARNING: CPU: 0 PID: 0 at kernel/irq/manage\.c __enable_irq\+0x[0-9a-f]+/0x[0-9a-f]+: WARN\(1\)$", texts[i + 1]);
        }

        Assert.All(p.Logs, l => Assert.Equal(KernelLogLevel.Warning, l.Level));
        Assert.All(p.Calls, c => Assert.StartsWith("log ", c, StringComparison.Ordinal)); // no unmask, no resend
        Assert.Equal(0, d.Depth);
    }

    [Fact]
    public void Disabled_level_irq_is_masked_and_EOId_resend_clears_pending_for_level()
    {
        var model = K.Model(out var p);
        model.RequestIrq(K.Pin(1, "eth0", 17, level: true));
        var d = model.DescAt(17)!;
        p.Tmr.Add((d.Cpu, d.Vector));
        model.DisableIrq(17);
        p.Calls.Clear();
        model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
        Assert.Equal(["ioapic.mask 0 17 True", $"eoi {d.Cpu}"], Hot(p));
        model.EnableIrq(17);
        Assert.False((d.State & IrqStateFlags.Pending) != 0);
        Assert.DoesNotContain(p.Calls, c => c.StartsWith("ipi", StringComparison.Ordinal));
    }

    /// <summary>Up to 6.16 (kernel/irq/chip.c <c>irq_may_run()</c>): PENDING + mask_ack, replayed by the first flow's loop.</summary>
    [Theory]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_10)]
    public void Edge_interrupt_arriving_while_in_progress_is_replayed_by_the_first_handle_edge_irq(KernelVersion version)
    {
        var model = K.Model(out var p, K.Options(version));
        model.RequestIrq(K.Pin(1, "ata0", 14, cost: 10));
        var d = model.DescAt(14)!;
        var nested = 0;
        p.OnAcknowledge = _ =>
        {
            if (nested++ == 0)
            {
                // a second edge arrives while the first handler runs (INPROGRESS set)
                model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
            }
        };
        var r = model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
        Assert.Equal(2, p.Calls.Count(c => c == "ack 1")); // replayed
        Assert.Equal(20L, r.CostNs);
        Assert.Equal(1UL, d.KstatSum());
        Assert.False(d.Masked);
        Assert.Equal(0, (int)(d.State & IrqStateFlags.Pending));
    }

    /// <summary>
    /// Newest tree (8d39d6ec4db5, v6.17-rc1): <c>irq_can_handle_pm()</c> busy-waits in <c>irq_wait_on_inprogress()</c> for
    /// an in-progress single-target edge irq taken on the first CPU of its effective affinity, before PENDING, mask or
    /// ack: on the CPU running the handler that wait never ends (the platform's <c>SpinForever</c>).
    /// </summary>
    [Fact]
    public void Edge_interrupt_arriving_while_in_progress_on_its_cpu_waits_for_good_on_latest_kernel_irq_chip_c()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.Latest));
        model.RequestIrq(K.Pin(1, "ata0", 14, cost: 10));
        var d = model.DescAt(14)!;
        var nested = 0;
        var callsBefore = 0;
        p.OnAcknowledge = _ =>
        {
            if (nested++ == 0)
            {
                callsBefore = p.Calls.Count;
                model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
            }
        };
        model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
        Assert.Equal([$"halt cpu{d.Cpu}"], p.Calls.Skip(callsBefore).Where(c => !c.StartsWith("ack", StringComparison.Ordinal)));
        Assert.Equal(1, p.Calls.Count(c => c == "ack 1"));
        Assert.Equal(1UL, d.KstatSum());
        Assert.False(d.Masked);
        Assert.Equal(0, (int)(d.State & IrqStateFlags.Pending));
    }

    [Fact]
    public void Wake_thread_acknowledges_the_device_and_wakes_the_thread_fn_without_a_warning_handle_c_irq_wake_thread()
    {
        // A driver returning IRQ_WAKE_THREAD was requested with a thread_fn (request_threaded_irq), so
        // __handle_irq_event_percpu() wakes it and never reaches warn_no_thread().
        var model = K.Model(out var p);
        model.RequestIrq(K.Pin(5, "gpu0", 18, returns: HandlerReturn.WakeThread));
        var d = model.DescAt(18)!;
        model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
        model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
        Assert.Empty(p.Logs);
        Assert.Equal(2, p.Calls.Count(c => c == "ack 5"));
        Assert.Equal(2u, d.ThreadsHandled);
    }

    [Fact]
    public void Irq_none_leaves_the_device_unacknowledged()
    {
        var model = K.Model(out var p);
        model.RequestIrq(K.Pin(5, "dev", 18, returns: HandlerReturn.None));
        var d = model.DescAt(18)!;
        model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
        Assert.DoesNotContain(p.Calls, c => c.StartsWith("ack", StringComparison.Ordinal));
        Assert.Equal(1, d.IrqsUnhandled);
    }

    [Fact]
    public void Shared_level_line_calls_every_action_in_request_order_manage_c()
    {
        var model = K.Model(out var p);
        model.RequestIrq(K.Pin(1, "a", 19, level: true, shared: true, returns: HandlerReturn.None, cost: 5));
        model.RequestIrq(K.Pin(2, "b", 19, level: true, shared: true, cost: 7));
        model.RequestIrq(K.Pin(3, "c", 19, level: true, shared: true, cost: 11));
        var d = model.DescAt(19)!;
        Assert.Equal("a, b, c", d.ActionNames());
        Assert.Equal(1, p.Calls.Count(c => c.StartsWith("ioapic.program", StringComparison.Ordinal))); // one RTE for the shared line
        p.Tmr.Add((d.Cpu, d.Vector));
        p.Calls.Clear();
        var r = model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
        Assert.Equal(["ack 2", "ack 3", $"eoi {d.Cpu}"], Hot(p)); // no early exit on HANDLED
        Assert.Equal(23L, r.CostNs);
    }

    [Fact]
    public void Sharing_without_IRQF_SHARED_fails_with_Flags_mismatch_and_EBUSY_manage_c()
    {
        var model = K.Model(out var p);
        model.RequestIrq(K.Pin(1, "a", 19, level: true, shared: true, activeLow: true));
        var ex = Assert.Throws<KernelSetupException>(() => model.RequestIrq(K.Pin(2, "b", 19, level: true, activeLow: true)));
        Assert.Equal("genirq: Flags mismatch irq 19. 00000008 (b) vs. 00000088 (a)", p.Logs.Single().Text);
        Assert.Equal(-16, ex.Errno);
        Assert.Equal("b: request_irq(19) failed: -EBUSY (-16)", ex.Message);
        Assert.Single(model.DescAt(19)!.Actions);
    }

    [Fact]
    public void Sharing_with_a_different_trigger_fails_manage_c()
    {
        var model = K.Model(out var p);
        model.RequestIrq(K.Pin(1, "a", 19, level: true, shared: true, activeLow: true));
        Assert.Throws<KernelSetupException>(() => model.RequestIrq(K.Pin(2, "b", 19, shared: true)));
        Assert.Equal("genirq: Flags mismatch irq 19. 00000081 (b) vs. 00000088 (a)", p.Logs.Single().Text);
    }

    [Fact]
    public void Percpu_like_timer_is_counted_and_NMI_and_MCE_rows_count_exceptions()
    {
        var model = K.Model(out _, K.Options(config: K.Config(("X86_MCE", true))));
        Assert.Equal(("exc_nmi", DispatchPath.Nmi), (model.Nmi(1).Handler, model.Nmi(1).Path));
        Assert.Equal(2UL, model.ProcInterrupts.Count("NMI", 1));
        Assert.Equal("exc_machine_check", model.Exception(0, 18, 0).Handler);
        Assert.Equal(1UL, model.ProcInterrupts.Count("MCE", 0));
        Assert.Equal("exc_page_fault", model.Exception(0, 14, 2).Handler);
        Assert.Equal("exc_nmi", model.Exception(0, 2, 0).Handler);
    }

    /// <summary>
    /// idt.c def_idts[]: the #CP gate is built under CONFIG_X86_KERNEL_IBT in 6.1 and CONFIG_X86_CET from 6.6 on, which
    /// X86_KERNEL_IBT selects (arch/x86/Kconfig); under FRED, fred_hwexc() has the same guard.
    /// </summary>
    [Theory]
    [InlineData(KernelVersion.V6_1, KernelVariant.Mainline, DeliveryKind.Idt, "X86_KERNEL_IBT", "exc_control_protection")]
    [InlineData(KernelVersion.V6_1, KernelVariant.Mainline, DeliveryKind.Idt, "X86_CET", "unhandled")]
    [InlineData(KernelVersion.V6_6, KernelVariant.Mainline, DeliveryKind.Idt, "X86_KERNEL_IBT", "exc_control_protection")]
    [InlineData(KernelVersion.V6_10, KernelVariant.Mainline, DeliveryKind.Idt, "X86_CET", "exc_control_protection")]
    [InlineData(KernelVersion.V6_1, KernelVariant.Rfc2022, DeliveryKind.Fred, "X86_KERNEL_IBT", "exc_control_protection")]
    [InlineData(KernelVersion.V6_10, KernelVariant.Mainline, DeliveryKind.Fred, "X86_KERNEL_IBT", "exc_control_protection")]
    public void Control_protection_handler_follows_the_versions_guard_idt_c(
        KernelVersion version, KernelVariant variant, DeliveryKind delivery, string option, string handler)
    {
        var model = K.Model(out _, K.Options(version, variant, delivery, config: K.Config((option, true))));
        Assert.Equal(handler, model.Exception(0, 21, 3).Handler);
    }

    [Theory]
    [InlineData(18)] // X86_MCE off by default
    [InlineData(21)] // X86_CET (X86_KERNEL_IBT in 6.1) off by default
    [InlineData(22)] // reserved
    public void Exception_without_a_linux_handler_is_unhandled_idt_c(int vector)
    {
        var model = K.Model(out _);
        Assert.Equal("unhandled", model.Exception(0, vector, 0).Handler);
    }
}

/// <summary>handle_percpu_irq (kernel/irq/chip.c): no INPROGRESS/PENDING, per-CPU count without tot_count, ack, actions.</summary>
public sealed class PercpuFlowTests
{
    [Fact]
    public void Percpu_irq_counts_per_cpu_acks_and_runs_its_action()
    {
        var model = K.Model(out var p, K.Options(cpus: 2));
        var d = model.AttachPercpuIrq(40, 0x90, K.Pin(4, "pmu", 0));
        p.Calls.Clear();
        var r = model.ExternalInterrupt(1, 0x90, EntryRoute.Idt);
        Assert.Equal((40, DispatchPath.CommonInterrupt), (r.Irq, r.Path));
        Assert.Equal(["eoi 1", "ack 4"], p.Calls);
        Assert.Equal((0UL, 1UL, 0UL), (d.Kstat(0), d.Kstat(1), d.TotalCount));
        Assert.False(d.InProgress);
    }
}
