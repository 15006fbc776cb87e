using IrqLab.Kernel;
using IrqLab.Kernel.Sysvec;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>System vector table rules: arch/x86/entry/entry_fred.c (sysvec_table, fred_install_sysvec,
/// fred_complete_exception_setup, fred_extint) and the Nov 2022 series' table (linux-dispatch.md §1.3, §2).</summary>
public sealed class SystemVectorTableTests
{
    public static TheoryData<KernelVersion, int, string, string?> StaticSystemVectors()
    {
        var data = new TheoryData<KernelVersion, int, string, string?>();
        foreach (var version in Enum.GetValues<KernelVersion>())
        {
            foreach (var info in VectorLayout.For(version).SystemVectors)
            {
                if (info.Install == SystemVectorInstall.Static)
                {
                    data.Add(version, info.Vector, info.Handler!, info.Row);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(StaticSystemVectors))]
    public void Every_static_system_vector_dispatches_its_handler_and_bumps_its_row_idtentry_h(KernelVersion version, int vector, string handler, string? row)
    {
        // GUEST_PERF_EVENTS guards PERF_GUEST_MEDIATED_PMI_VECTOR and is off by default.
        var model = K.Model(out var p, K.Options(version, config: K.Config(("GUEST_PERF_EVENTS", true))));
        p.Isr.Add((0, vector));
        var r = model.ExternalInterrupt(0, vector, EntryRoute.Software);
        Assert.Equal(handler, r.Handler);
        Assert.Equal(DispatchPath.SysvecTable, r.Path);
        Assert.Equal(-1, r.Irq);
        Assert.False(r.Trapped);
        if (row is not null)
        {
            Assert.Equal(1UL, model.ProcInterrupts.Count(row, 0));
        }

        if (vector != 0xff)
        {
            Assert.Equal(1, p.Eois(0)); // every sysvec handler EOIs except the 0xFF spurious one
        }
    }

    [Theory]
    [MemberData(nameof(StaticSystemVectors))]
    public void Idt_route_runs_the_gate_handler_directly_idt_c(KernelVersion version, int vector, string handler, string? row)
    {
        _ = row;
        var model = K.Model(out _, K.Options(version, config: K.Config(("GUEST_PERF_EVENTS", true))));
        var r = model.ExternalInterrupt(1, vector, EntryRoute.Idt);
        Assert.Equal(handler, r.Handler);
        Assert.Equal(DispatchPath.IdtGate, r.Path);
    }

    [Theory]
    [InlineData(KernelVersion.V6_1, 0xec, 20)]
    [InlineData(KernelVersion.V6_9, 0xec, 20)]
    [InlineData(KernelVersion.V6_10, 0xeb, 21)]
    [InlineData(KernelVersion.Latest, 0xeb, 21)]
    public void Table_has_NR_SYSTEM_VECTORS_slots_from_FIRST_SYSTEM_VECTOR_irq_vectors_h(KernelVersion version, int first, int count)
    {
        var model = K.Model(out _, K.Options(version));
        Assert.Equal(first, model.SystemVectors.FirstSystemVector);
        Assert.Equal(count, model.SystemVectors.Count);
    }

    [Theory]
    [InlineData(KernelVariant.Mainline, "fred_handle_spurious_interrupt", SysvecHandlerType.IdtEntry)]
    [InlineData(KernelVariant.Rfc2022, "spurious_interrupt", SysvecHandlerType.RegsVector)]
    public void Default_slot_is_the_variants_spurious_handler_entry_fred_c(KernelVariant variant, string symbol, SysvecHandlerType type)
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_10, variant));
        model.CompleteSetup();
        var slot = model.SystemVectors.ForVector(0xef); // MANAGED_IRQ_SHUTDOWN_VECTOR never has a handler
        Assert.Equal("spurious_interrupt", slot.Name);
        Assert.Equal(symbol, slot.Symbol);
        Assert.Equal(type, slot.Type);
    }

    [Theory]
    [InlineData(KernelVersion.V6_1, 0xf5)]   // the hole "was UV_BAU_MESSAGE"
    [InlineData(KernelVersion.V6_10, 0xef)]  // MANAGED_IRQ_SHUTDOWN_VECTOR
    [InlineData(KernelVersion.Latest, 0xf3)] // HYPERVISOR_CALLBACK_VECTOR, nothing installed
    public void Empty_slot_runs_handle_spurious_interrupt_Acked_when_ISR_set_apic_c(KernelVersion version, int vector)
    {
        var model = K.Model(out var p, K.Options(version));
        p.Isr.Add((1, vector));
        var r = model.ExternalInterrupt(1, vector, EntryRoute.Software);
        Assert.Equal("spurious_interrupt", r.Handler);
        Assert.Equal(1UL, model.ProcInterrupts.Count("SPU", 1));
        Assert.Equal($"Spurious interrupt (vector 0x{vector:x2}) on CPU#1. Acked", p.Logs.Single().Text);
        Assert.Equal(KernelLogLevel.Info, p.Logs.Single().Level);
        Assert.Equal(1, p.Eois(1));
    }

    [Fact]
    public void Spurious_not_in_ISR_says_Not_pending_and_does_not_EOI_apic_c()
    {
        var model = K.Model(out var p);
        model.ExternalInterrupt(0, 0xef, EntryRoute.Software);
        Assert.Equal("Spurious interrupt (vector 0xef) on CPU#0. Not pending!", p.Logs.Single().Text);
        Assert.Equal(0, p.Eois(0));
    }

    [Fact]
    public void Spurious_APIC_vector_0xff_never_EOIs_apic_c()
    {
        var model = K.Model(out var p);
        p.Isr.Add((1, 0xff));
        var r = model.ExternalInterrupt(1, 0xff, EntryRoute.Idt);
        Assert.Equal("sysvec_spurious_apic_interrupt", r.Handler);
        Assert.Equal("Spurious APIC interrupt (vector 0xFF) on CPU#1, should never happen.", p.Logs.Single().Text);
        Assert.Equal(0, p.Eois(1));
        Assert.Equal(1UL, model.ProcInterrupts.Count("SPU", 1));
    }

    [Theory]
    [InlineData("X86_THERMAL_VECTOR", 0xfa)]
    [InlineData("SMP", 0xfd)]
    [InlineData("HAVE_KVM", 0xf2)]
    [InlineData("X86_POSTED_MSI", 0xeb)]
    [InlineData("IRQ_WORK", 0xf6)]
    public void Config_off_slot_holds_the_spurious_handler_idtentry_h_NULL_define(string option, int vector)
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_10, config: K.Config((option, false))));
        var r = model.ExternalInterrupt(0, vector, EntryRoute.Software);
        Assert.Equal("spurious_interrupt", r.Handler);
        Assert.False(model.SystemVectors.IsFilled(vector));
    }

    [Fact]
    public void Runtime_install_before_setup_fills_a_hypervisor_slot_and_HYP_counts_fred_install_sysvec()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, delivery: DeliveryKind.Fred, config: K.Config(("HYPERV", true))));
        var r = model.InstallSystemVector(0xf3, "sysvec_hyperv_callback");
        Assert.True(r.Installed);
        Assert.Empty(p.Logs);
        var d = model.ExternalInterrupt(0, 0xf3, EntryRoute.Software);
        Assert.Equal("sysvec_hyperv_callback", d.Handler);
        Assert.Equal(1UL, model.ProcInterrupts.Count("HYP", 0));
        Assert.Contains(model.ProcInterrupts.Rows(), row => row.Row == "HYP");
    }

    [Fact]
    public void Install_below_FIRST_SYSTEM_VECTOR_is_refused_with_a_WARN_fred_install_sysvec()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, delivery: DeliveryKind.Fred));
        var r = model.InstallSystemVector(0x40, "sysvec_custom");
        Assert.False(r.Installed);
        Assert.Equal(InstallRefusal.BelowFirstSystemVector, r.Refusal);
        var log = p.Logs.Single();
        Assert.Equal(KernelLogLevel.Warning, log.Level);
        Assert.StartsWith("WARNING: CPU: 0 PID: 0 at arch/x86/entry/entry_fred.c fred_install_sysvec+0x", log.Text);
        Assert.Contains("WARN_ON_ONCE(sysvec < FIRST_SYSTEM_VECTOR)", log.Text);
    }

    /// <summary>
    /// The bound of fred_install_sysvec() (arch/x86/entry/entry_fred.c) is <c>WARN_ON_ONCE(sysvec &lt; FIRST_SYSTEM_VECTOR)</c>:
    /// FIRST_SYSTEM_VECTOR itself is a system vector and may be installed (6.10: POSTED_MSI_NOTIFICATION_VECTOR 0xeb,
    /// free with X86_POSTED_MSI off; 6.1: LOCAL_TIMER_VECTOR 0xec, taken), one below it may not.
    /// </summary>
    [Theory]
    [InlineData(KernelVersion.V6_10, 0xea, InstallRefusal.BelowFirstSystemVector)]
    [InlineData(KernelVersion.V6_10, 0xeb, InstallRefusal.None)]
    [InlineData(KernelVersion.V6_1, 0xeb, InstallRefusal.BelowFirstSystemVector)]
    [InlineData(KernelVersion.V6_1, 0xec, InstallRefusal.SlotTaken)]
    public void Install_bound_is_FIRST_SYSTEM_VECTOR_inclusive_fred_install_sysvec(KernelVersion version, int vector, InstallRefusal refusal)
    {
        var model = K.Model(out _, K.Options(version, delivery: DeliveryKind.Fred, config: K.Config(("X86_POSTED_MSI", false))));
        var r = model.InstallSystemVector(vector, "sysvec_custom");
        Assert.Equal(refusal, r.Refusal);
        Assert.Equal(refusal == InstallRefusal.None, r.Installed);
    }

    [Fact]
    public void Install_after_setup_is_refused_and_the_slot_stays_spurious_fred_setup_done()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, delivery: DeliveryKind.Fred));
        model.ExternalInterrupt(0, 0xec, EntryRoute.Software); // first dispatch completes setup
        var r = model.InstallSystemVector(0xf3, "sysvec_custom");
        Assert.Equal(InstallRefusal.SetupDone, r.Refusal);
        Assert.Contains("WARN_ON_ONCE(fred_setup_done)", p.Logs.Single().Text);
        Assert.Equal("spurious_interrupt", model.ExternalInterrupt(0, 0xf3, EntryRoute.Software).Handler);
    }

    [Fact]
    public void Install_into_a_taken_slot_is_refused_and_not_overwritten_fred_install_sysvec()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, delivery: DeliveryKind.Fred));
        var r = model.InstallSystemVector(0xec, "sysvec_custom");
        Assert.Equal(InstallRefusal.SlotTaken, r.Refusal);
        Assert.Contains("WARN_ON_ONCE(sysvec_table[sysvec - FIRST_SYSTEM_VECTOR])", p.Logs.Single().Text);
        Assert.Equal("sysvec_apic_timer_interrupt", model.ExternalInterrupt(0, 0xec, EntryRoute.Software).Handler);
    }

    /// <summary>
    /// fred_install_sysvec() (arch/x86/entry/entry_fred.c, 6.9+) has three <c>WARN_ON_ONCE</c> sites, and each expansion of
    /// <c>WARN_ON_ONCE</c> (include/asm-generic/bug.h) keeps its own "warned" flag: a second refusal at the same site prints
    /// nothing, a first refusal at another site still prints. The model returns its text on every refusal all the same.
    /// </summary>
    [Fact]
    public void WARN_ON_ONCE_prints_once_per_site_but_every_refusal_returns_the_text()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, delivery: DeliveryKind.Fred));
        var a = model.InstallSystemVector(0x40, "x");
        var b = model.InstallSystemVector(0x41, "y");
        Assert.Equal([InstallRefusal.BelowFirstSystemVector, InstallRefusal.BelowFirstSystemVector], new[] { a.Refusal, b.Refusal });
        Assert.Equal([a.Message], p.Logs.Select(l => l.Text));
        Assert.Contains("WARN_ON_ONCE(sysvec < FIRST_SYSTEM_VECTOR): vector 0x40 handler x not installed", a.Message, StringComparison.Ordinal);
        Assert.Contains("WARN_ON_ONCE(sysvec < FIRST_SYSTEM_VECTOR): vector 0x41 handler y not installed", b.Message, StringComparison.Ordinal);

        // The third site (slot taken: LOCAL_TIMER_VECTOR 0xec, RESCHEDULE_VECTOR 0xfd) has its own flag: it prints once.
        var c = model.InstallSystemVector(0xec, "z");
        var d = model.InstallSystemVector(0xfd, "w");
        Assert.Equal([InstallRefusal.SlotTaken, InstallRefusal.SlotTaken], new[] { c.Refusal, d.Refusal });
        Assert.Equal([a.Message, c.Message], p.Logs.Select(l => l.Text));
        Assert.Contains("WARN_ON_ONCE(sysvec_table[sysvec - FIRST_SYSTEM_VECTOR]): vector 0xfd handler w not installed", d.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(KernelVersion.V6_1, "alloc_intr_gate")]
    [InlineData(KernelVersion.V6_6, "alloc_intr_gate")]
    [InlineData(KernelVersion.V6_9, "idt_install_sysvec")] // the boundary: sysvec_install()/idt_install_sysvec() came with FRED in v6.9
    [InlineData(KernelVersion.V6_10, "idt_install_sysvec")]
    public void IDT_installers_WARN_every_time_idt_c(KernelVersion version, string func)
    {
        var model = K.Model(out var p, K.Options(version));
        model.InstallSystemVector(0x40, "x");
        model.InstallSystemVector(0x41, "y");
        Assert.Equal(2, p.Logs.Count);
        Assert.All(p.Logs, l => Assert.Contains($"arch/x86/kernel/idt.c {func}+0x", l.Text));
        Assert.All(p.Logs, l => Assert.Contains("WARN_ON(n < FIRST_SYSTEM_VECTOR)", l.Text));
    }

    [Fact]
    public void Seal_records_filled_slots_and_replaces_empty_ones_fred_complete_exception_setup()
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_10));
        Assert.False(model.IsSetupComplete);
        model.CompleteSetup();
        Assert.True(model.IsSetupComplete);
        Assert.True(model.SystemVectors.IsFilled(0xec));
        Assert.False(model.SystemVectors.IsFilled(0xef));
        Assert.Equal(InstallRefusal.SetupDone, model.SystemVectors.Install(0xf3, "sysvec_custom").Refusal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(21)]
    [InlineData(1000)]
    public void Lookup_clamps_like_array_index_nospec(int index)
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_10));
        model.CompleteSetup();
        Assert.Same(model.SystemVectors.Lookup(0), model.SystemVectors.Lookup(index));
        Assert.Equal("sysvec_posted_msi_notification", model.SystemVectors.Lookup(index).Name);
    }

    [Fact]
    public void Software_route_below_0x20_WARNs_once_and_runs_nothing_fred_extint()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, delivery: DeliveryKind.Fred));
        var r = model.ExternalInterrupt(0, 0x10, EntryRoute.Software);
        model.ExternalInterrupt(0, 0x11, EntryRoute.Software);
        Assert.Equal("unhandled", r.Handler);
        Assert.Contains("WARN_ON_ONCE(vector < FIRST_EXTERNAL_VECTOR)", p.Logs.Single().Text);
        Assert.Equal(0, p.Eois(0));
    }

    /// <summary>
    /// The "Unexpected ..." lines of the default handlers, in every version: thermal from arch/x86/kernel/irq.c
    /// <c>smp_thermal_vector()</c> (no pr_fmt); threshold (mce/threshold.c) and deferred error (mce/amd.c) through the
    /// <c>pr_fmt(fmt) "mce: " fmt</c> of arch/x86/kernel/cpu/mce/internal.h, which both include.
    /// </summary>
    public static TheoryData<KernelVersion, DeliveryKind, string, int, string> UnexpectedLines()
    {
        var data = new TheoryData<KernelVersion, DeliveryKind, string, int, string>();
        foreach (var version in Enum.GetValues<KernelVersion>())
        {
            foreach (var delivery in new[] { DeliveryKind.Idt, DeliveryKind.Fred })
            {
                if (delivery == DeliveryKind.Fred && version < KernelVersion.V6_9)
                {
                    continue;
                }

                data.Add(version, delivery, "sysvec_thermal", 0xfa, "CPU1: Unexpected LVT thermal interrupt!");
                data.Add(version, delivery, "sysvec_threshold", 0xf9, "mce: Unexpected threshold interrupt at vector f9");
                data.Add(version, delivery, "sysvec_deferred_error", 0xf4, "mce: Unexpected deferred interrupt at vector f4");
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(UnexpectedLines))]
    public void Default_mce_and_thermal_handlers_print_their_message_irq_c_mce_internal_h_pr_fmt(
        KernelVersion version, DeliveryKind delivery, string handler, int vector, string text)
    {
        var model = K.Model(out var p, K.Options(version, delivery: delivery));
        var r = model.ExternalInterrupt(1, vector, delivery == DeliveryKind.Fred ? EntryRoute.Software : EntryRoute.Idt);
        Assert.Equal(handler, r.Handler);
        Assert.Equal((1, KernelLogLevel.Err, text), p.Logs.Single());
    }

    [Fact]
    public void IRQ_MOVE_CLEANUP_VECTOR_in_6_1_runs_sysvec_irq_move_cleanup_apic_idts()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_1));
        var r = model.ExternalInterrupt(0, 0x20, EntryRoute.Idt);
        Assert.Equal(("sysvec_irq_move_cleanup", DispatchPath.IdtGate), (r.Handler, r.Path));
        Assert.Equal(1, p.Eois(0));
    }
}

/// <summary>Every Kconfig guard of every static system vector, per version (idtentry.h: a configured-out
/// fred_sysvec_* is NULL and the slot becomes the spurious handler).</summary>
public sealed class SystemVectorGuardTests
{
    public static TheoryData<KernelVersion, int, string> Guards()
    {
        var data = new TheoryData<KernelVersion, int, string>();
        foreach (var version in Enum.GetValues<KernelVersion>())
        {
            foreach (var info in VectorLayout.For(version).SystemVectors)
            {
                if (info.Install == SystemVectorInstall.Static && info.Config is { } c && c != "X86_LOCAL_APIC")
                {
                    data.Add(version, info.Vector, c);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Guards))]
    public void Guard_off_makes_the_slot_spurious(KernelVersion version, int vector, string option)
    {
        var model = K.Model(out _, K.Options(version, config: K.Config((option, false))));
        var r = model.ExternalInterrupt(0, vector, EntryRoute.Software);
        Assert.Equal("spurious_interrupt", r.Handler);
        Assert.Equal(1UL, model.ProcInterrupts.Count("SPU", 0));
        var entry = model.VectorTable()[vector];
        Assert.Equal(("spurious_interrupt", option, "SPU"), (entry.Handler, entry.Config, entry.Row));
    }

    // irq_vectors.h: without CONFIG_X86_LOCAL_APIC, FIRST_SYSTEM_VECTOR = NR_VECTORS and NR_SYSTEM_VECTORS = 0, so the
    // table has no slot 0 for array_index_nospec() to clamp to; a lookup reads the spurious handler instead of throwing.
    [Theory]
    [InlineData(KernelVariant.Mainline, 0)]
    [InlineData(KernelVariant.Mainline, 0xff)]
    [InlineData(KernelVariant.Rfc2022, 0)]
    [InlineData(KernelVariant.Rfc2022, -1)]
    public void Lookup_in_a_table_without_slots_reads_the_spurious_handler_irq_vectors_h(KernelVariant variant, int index)
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_10, variant, config: K.Config(("X86_LOCAL_APIC", false))));
        model.CompleteSetup();
        Assert.Same(model.SystemVectors.SpuriousHandler, model.SystemVectors.Lookup(index));
        Assert.Same(model.SystemVectors.SpuriousHandler, model.SystemVectors.ForVector(0xfd));
        Assert.Same(model.SystemVectors.SpuriousHandler, model.SystemVectors.GateForVector(0xfd));
    }

    [Fact]
    public void Without_X86_LOCAL_APIC_there_are_no_system_vectors_and_0xec_is_a_device_vector_irq_vectors_h()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, config: K.Config(("X86_LOCAL_APIC", false))));
        Assert.Equal(0, model.SystemVectors.Count);
        Assert.Equal(256, model.Matrix.AllocEnd);
        var r = model.ExternalInterrupt(0, 0xec, EntryRoute.Software);
        Assert.Equal(("common_interrupt", DispatchPath.CommonInterrupt), (r.Handler, r.Path));
        Assert.Equal("call_irq_handler: 0.236 No irq handler for vector", p.Logs.Single().Text);
    }

    // Nov 2022 series, [PATCH 3/6] "x86/traps: add install_system_interrupt_handler()" (arch/x86/kernel/traps.c,
    // Message-Id 20221110055347.7463-4-xin3.li@intel.com): BUG_ON(n < FIRST_SYSTEM_VECTOR); the table store is
    // unconditional; alloc_intr_gate() (6.1 arch/x86/kernel/idt.c) WARN_ONs (every time) and leaves the gate alone.
    // The BUG_ON is line 1504 of traps.c (hunk @@ -1499,6 +1499,14 @@), which report_bug() (lib/bug.c) prints as
    // "kernel BUG at %s:%u!".
    [Fact]
    public void Rfc2022_install_below_first_system_vector_is_a_BUG_ON_traps_c()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_1, KernelVariant.Rfc2022));
        var r = model.InstallSystemVector(0x40, "sysvec_custom");
        Assert.False(r.Installed);
        Assert.Equal(InstallRefusal.BelowFirstSystemVector, r.Refusal);
        Assert.Equal((0, KernelLogLevel.Crit, "kernel BUG at arch/x86/kernel/traps.c:1504!"), p.Logs[0]);
        Assert.Equal("kernel BUG at arch/x86/kernel/traps.c:1504!", r.Message);
        Assert.Equal("invalid opcode: 0000 [#1] SMP NOPTI", p.Logs[1].Text);
        Assert.DoesNotContain(p.Texts, t => t.StartsWith("WARNING", StringComparison.Ordinal));
    }

    [Fact]
    public void Rfc2022_install_over_a_taken_slot_replaces_the_table_but_not_the_idt_gate_traps_c()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_1, KernelVariant.Rfc2022));
        var r1 = model.InstallSystemVector(0xec, "sysvec_custom");
        var r2 = model.InstallSystemVector(0xec, "sysvec_custom");
        Assert.False(r1.Installed);
        Assert.Equal(InstallRefusal.SlotTaken, r1.Refusal);
        var warns = p.Texts.Where(t => t.Contains("alloc_intr_gate", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, warns.Count); // WARN_ON, not WARN_ON_ONCE
        Assert.All(warns, w => Assert.Contains("WARN_ON(test_and_set_bit(n, system_vectors))", w, StringComparison.Ordinal));
        Assert.Equal(r2.Message, warns[1]);
        p.Isr.Add((0, 0xec));
        Assert.Equal("sysvec_apic_timer_interrupt", model.ExternalInterrupt(0, 0xec, EntryRoute.Idt).Handler);
        Assert.Equal("sysvec_custom", model.ExternalInterrupt(0, 0xec, EntryRoute.Software).Handler);
    }

    [Fact]
    public void Rfc2022_install_after_setup_reaches_the_table_and_warns_idt_setup_done_traps_c()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_1, KernelVariant.Rfc2022, config: K.Config(("HYPERV", true))));
        p.Isr.Add((0, 0xf3));
        Assert.Equal("spurious_interrupt", model.ExternalInterrupt(0, 0xf3, EntryRoute.Software).Handler);
        var r = model.InstallSystemVector(0xf3, "sysvec_hyperv_callback");
        Assert.Equal(InstallRefusal.SetupDone, r.Refusal);
        Assert.Contains("alloc_intr_gate", r.Message, StringComparison.Ordinal);
        Assert.Contains("WARN_ON(idt_setup_done)", r.Message, StringComparison.Ordinal);
        Assert.Equal("spurious_interrupt", model.ExternalInterrupt(0, 0xf3, EntryRoute.Idt).Handler);
        Assert.Equal("sysvec_hyperv_callback", model.ExternalInterrupt(0, 0xf3, EntryRoute.Software).Handler);
        Assert.False(model.SystemVectors.IsFilled(0xf3)); // no system_vectors bit: no HYP row
    }
}
