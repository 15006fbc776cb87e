using IrqLab.Kernel;
using IrqLab.Kernel.Irq;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>common_interrupt and the vector_irq sentinels per version (arch/x86/kernel/irq.c, asm/hw_irq.h; linux-dispatch.md §3.3, §7.1).</summary>
public sealed class CommonInterruptTests
{
    [Theory]
    [InlineData(KernelVersion.V6_1, "__common_interrupt: 1.85 No irq handler for vector", true)]
    [InlineData(KernelVersion.V6_6, "__common_interrupt: 1.85 No irq handler for vector", true)]
    [InlineData(KernelVersion.V6_9, "__common_interrupt: 1.85 No irq handler for vector", true)]
    [InlineData(KernelVersion.V6_10, "call_irq_handler: 1.85 No irq handler for vector", false)]
    [InlineData(KernelVersion.Latest, "No irq handler for 1.85", false)]
    public void Unused_vector_logs_emerg_per_version_with_EOI_order(KernelVersion version, string text, bool eoiFirst)
    {
        var model = K.Model(out var p, K.Options(version));
        var r = model.ExternalInterrupt(1, 85, EntryRoute.Idt);
        Assert.Equal(("common_interrupt", DispatchPath.CommonInterrupt, -1), (r.Handler, r.Path, r.Irq));
        Assert.Equal((1, KernelLogLevel.Emerg, text), p.Logs.Single());
        var expected = eoiFirst ? new[] { "eoi 1", "log " + text } : ["log " + text, "eoi 1"];
        Assert.Equal(expected, p.Calls.Where(c => c.StartsWith("eoi", StringComparison.Ordinal) || c.StartsWith("log", StringComparison.Ordinal)));
        Assert.DoesNotContain(model.ProcInterrupts.Rows(), row => row.Counts.Any(c => c != 0)); // no counter on this path
    }

    [Theory]
    [InlineData(KernelVersion.V6_1, VectorIrqKind.Shutdown)]
    [InlineData(KernelVersion.V6_1, VectorIrqKind.Retriggered)]
    [InlineData(KernelVersion.V6_10, VectorIrqKind.Shutdown)]
    [InlineData(KernelVersion.V6_10, VectorIrqKind.Retriggered)]
    [InlineData(KernelVersion.Latest, VectorIrqKind.Shutdown)]
    [InlineData(KernelVersion.Latest, VectorIrqKind.Retriggered)]
    public void Shutdown_and_retriggered_are_reset_to_unused_silently_once(KernelVersion version, VectorIrqKind sentinel)
    {
        var model = K.Model(out var p, K.Options(version));
        model.SetVectorIrq(0, 0x41, sentinel);
        model.ExternalInterrupt(0, 0x41, EntryRoute.Software);
        Assert.Empty(p.Logs);
        Assert.Equal(1, p.Eois(0));
        Assert.Equal(VectorIrqKind.Unused, model.VectorIrq(0).KindOf(0x41));
        model.ExternalInterrupt(0, 0x41, EntryRoute.Software);
        Assert.Single(p.Logs);
    }

    [Fact]
    public void No_irq_handler_is_ratelimited_10_per_5s_then_callbacks_suppressed_lib_ratelimit_c()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_1));
        for (var i = 0; i < 13; i++)
        {
            model.ExternalInterrupt(0, 0x50, EntryRoute.Idt);
        }

        Assert.Equal(10, p.Logs.Count);
        Assert.Equal(13, p.Eois(0));
        p.NowNs = 5_001_000_000;
        model.ExternalInterrupt(0, 0x50, EntryRoute.Idt);
        Assert.Equal((KernelLogLevel.Warning, "__common_interrupt: 3 callbacks suppressed"), (p.Logs[10].Level, p.Logs[10].Text));
        Assert.Equal("__common_interrupt: 0.80 No irq handler for vector", p.Logs[11].Text);
    }

    /// <summary>
    /// lib/ratelimit.c <c>___ratelimit()</c> works in jiffies: <c>begin</c> is the jiffy of the first call and the next
    /// interval starts only when <c>time_is_before_jiffies(begin + 5 * HZ)</c>, i.e. from jiffy begin + 5001 (HZ = 1000).
    /// A call 5 s and a fraction of a jiffy after the first is still in the first interval.
    /// </summary>
    [Theory]
    [InlineData(100_000, 5_000_100_000, false)]   // jiffy 5000: not after 0 + 5000
    [InlineData(100_000, 5_000_999_999, false)]
    [InlineData(100_000, 5_001_000_000, true)]    // jiffy 5001
    [InlineData(999_999, 5_001_000_000, true)]
    [InlineData(1_000_000, 5_001_999_999, false)] // begin jiffy 1, now jiffy 5001
    [InlineData(1_000_000, 5_002_000_000, true)]
    public void No_irq_handler_ratelimit_interval_counts_in_jiffies_lib_ratelimit_c(long firstNs, long laterNs, bool newInterval)
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_1));
        p.NowNs = firstNs;
        for (var i = 0; i < 11; i++)
        {
            model.ExternalInterrupt(0, 0x50, EntryRoute.Idt);
        }

        p.NowNs = laterNs;
        model.ExternalInterrupt(0, 0x50, EntryRoute.Idt);
        var expected = newInterval
            ? new[] { "__common_interrupt: 1 callbacks suppressed", "__common_interrupt: 0.80 No irq handler for vector" }
            : [];
        Assert.Equal(expected, p.Logs.Skip(10).Select(l => l.Text));
    }

    [Fact]
    public void Freed_irq_leaves_VECTOR_SHUTDOWN_and_a_late_interrupt_is_tolerated_vector_c()
    {
        var model = K.Model(out var p);
        model.RequestIrq(K.Pin(1, "ata0", 14));
        var desc = model.DescAt(14)!;
        var (cpu, vector) = (desc.Cpu, desc.Vector);
        model.FreeIrq(1);
        Assert.Equal(VectorIrqKind.Shutdown, model.VectorIrq(cpu).KindOf(vector));
        Assert.Contains("ioapic.mask 0 14 True", p.Calls);
        var r = model.ExternalInterrupt(cpu, vector, EntryRoute.Idt);
        Assert.Equal(-1, r.Irq);
        Assert.Empty(p.Logs);
        Assert.Equal(VectorIrqKind.Unused, model.VectorIrq(cpu).KindOf(vector));
    }

    [Fact]
    public void Device_vector_reaches_its_descriptor_on_either_route()
    {
        var model = K.Model(out _);
        model.RequestIrq(K.Pin(1, "ata0", 14));
        var d = model.DescAt(14)!;
        Assert.Equal(14, model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt).Irq);
        Assert.Equal(14, model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Software).Irq);
        Assert.Equal(2UL, model.ProcInterrupts.Count("14", d.Cpu));
    }
}

/// <summary>Odd entries: BUG_ON in the 2022 external_interrupt(), exception gates, the int80 gate, the 6.1 cleanup vector.</summary>
public sealed class EntryEdgeCaseTests
{
    // lib/bug.c report_bug(): pr_crit("kernel BUG at %s:%u!\n", file, line); the BUG_ON is on line 1523 of traps.c with
    // the Nov 2022 series applied (patch 4/6, Message-Id 20221110055347.7463-5-xin3.li@intel.com, hunk @@ -1507,6 +1507,27 @@).
    [Fact]
    public void Rfc2022_external_interrupt_below_0x20_is_a_kernel_BUG_traps_c()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_1, IrqLab.Scenarios.Model.KernelVariant.Rfc2022));
        var r = model.ExternalInterrupt(0, 0x1f, EntryRoute.Software);
        Assert.Equal(("exc_invalid_op", DispatchPath.Exception, true), (r.Handler, r.Path, r.Trapped));
        Assert.Equal([(KernelLogLevel.Crit, "kernel BUG at arch/x86/kernel/traps.c:1523!"), (KernelLogLevel.Warning, "invalid opcode: 0000 [#1] SMP NOPTI")],
            p.Logs.Select(l => (l.Level, l.Text)));
    }

    [Fact]
    public void Idt_route_below_0x20_runs_the_exception_gate()
    {
        var model = K.Model(out _);
        Assert.Equal(("exc_page_fault", DispatchPath.Exception), (model.ExternalInterrupt(0, 14, EntryRoute.Idt).Handler, model.ExternalInterrupt(0, 14, EntryRoute.Idt).Path));
        Assert.Equal("exc_nmi", model.ExternalInterrupt(0, 2, EntryRoute.Idt).Handler);
    }

    [Theory]
    [InlineData(KernelVersion.V6_6, "do_int80_syscall_32")] // the entry_INT80_compat gate calls it (SCENARIOS.md §10: the C handler)
    [InlineData(KernelVersion.V6_10, "do_int80_emulation")] // 7390db8aea0d (6.9-rc4): int80_emulation is an asm stub jumping to it
    public void Vector_0x80_through_the_IDT_is_the_int80_gate_and_does_not_EOI(KernelVersion version, string handler)
    {
        var model = K.Model(out var p, K.Options(version));
        var r = model.ExternalInterrupt(0, 0x80, EntryRoute.Idt);
        Assert.Equal((handler, DispatchPath.IdtGate), (r.Handler, r.Path));
        Assert.Equal(0, p.Eois(0));
    }

    [Fact]
    public void Rfc2022_software_route_handles_the_cleanup_vector_in_common_interrupt_series_patch_1()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_1, IrqLab.Scenarios.Model.KernelVariant.Rfc2022));
        var r = model.ExternalInterrupt(1, 0x20, EntryRoute.Software);
        Assert.Equal(("sysvec_irq_move_cleanup", DispatchPath.CommonInterrupt), (r.Handler, r.Path));
        Assert.Equal(1, p.Eois(1));
    }

    [Fact]
    public void Json_names_of_paths_and_levels()
    {
        Assert.Equal("sysvec_table", DispatchPath.SysvecTable.ToJsonName());
        Assert.Equal("common_interrupt", DispatchPath.CommonInterrupt.ToJsonName());
        Assert.Equal("idt_gate", DispatchPath.IdtGate.ToJsonName());
        Assert.Equal("emerg", KernelLogLevel.Emerg.ToJsonName());
        Assert.Equal("warning", KernelLogLevel.Warning.ToJsonName());
    }
}
