using IrqLab.Kernel;
using IrqLab.Kernel.Sysvec;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>kCFI model (linux-dispatch.md §2.1 review of the 2022 series, §7.4b kernel/cfi.c + arch/x86/kernel/traps.c).</summary>
public sealed class CfiTests
{
    public static TheoryData<KernelVersion, int, string> CastHandlers()
    {
        var data = new TheoryData<KernelVersion, int, string>();
        foreach (var version in Enum.GetValues<KernelVersion>())
        {
            foreach (var info in VectorLayout.For(version).SystemVectors)
            {
                if (info.Install == SystemVectorInstall.Static && info.Config != "GUEST_PERF_EVENTS")
                {
                    data.Add(version, info.Vector, info.Handler!);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CastHandlers))]
    public void Rfc2022_with_cfi_traps_on_every_cast_sysvec_handler(KernelVersion version, int vector, string handler)
    {
        var model = K.Model(out var p, K.Options(version, KernelVariant.Rfc2022, cfi: true));
        var r = model.ExternalInterrupt(1, vector, EntryRoute.Software);
        Assert.True(r.Trapped);
        Assert.Equal(("exc_invalid_op", DispatchPath.Exception), (r.Handler, r.Path));
        Assert.Equal((1, "cfi_failure"), p.Faults.Single());
        var hash = KernelSymbols.TypeHash(SysvecHandlerType.RegsVector);
        var cfi = p.Logs[0];
        Assert.Equal(KernelLogLevel.Err, cfi.Level);
        Assert.Matches(
            $"^CFI failure at external_interrupt\\+0x[0-9a-f]+/0x[0-9a-f]+ \\(target: {handler}\\+0x0/0x[0-9a-f]+; expected type: 0x{hash:x8}\\)$",
            cfi.Text);
        Assert.Equal(0, p.Eois(1)); // the handler did not run: no EOI, no counter
        Assert.DoesNotContain(model.ProcInterrupts.Rows(), row => row.Counts.Any(c => c != 0));
    }

    [Theory]
    [InlineData(KernelVersion.V6_1, "invalid opcode: 0000 [#1] SMP NOPTI")]
    [InlineData(KernelVersion.V6_9, "invalid opcode: 0000 [#1] SMP NOPTI")]
    [InlineData(KernelVersion.V6_10, "Oops: invalid opcode: 0000 [#1] SMP NOPTI")]
    [InlineData(KernelVersion.Latest, "Oops: invalid opcode: 0000 [#1] SMP NOPTI")]
    public void Cfi_trap_is_followed_by_the_x86_oops_header_dumpstack_c(KernelVersion version, string oops)
    {
        var model = K.Model(out var p, K.Options(version, KernelVariant.Rfc2022, cfi: true));
        model.ExternalInterrupt(0, 0xec, EntryRoute.Software);
        Assert.Equal((KernelLogLevel.Warning, oops), (p.Logs[1].Level, p.Logs[1].Text));
        model.ExternalInterrupt(0, 0xfd, EntryRoute.Software);
        Assert.EndsWith("[#2] SMP NOPTI", p.Logs[3].Text);
    }

    [Fact]
    public void Rfc2022_spurious_default_has_the_table_type_and_never_traps()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, KernelVariant.Rfc2022, cfi: true));
        var r = model.ExternalInterrupt(0, 0xef, EntryRoute.Software);
        Assert.False(r.Trapped);
        Assert.Equal("spurious_interrupt", r.Handler);
        Assert.Empty(p.Faults);
    }

    [Fact]
    public void Rfc2022_runtime_installed_handler_is_cast_too_and_traps()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, KernelVariant.Rfc2022, cfi: true));
        Assert.True(model.InstallSystemVector(0xf3, "sysvec_kvm_asyncpf_interrupt").Installed);
        Assert.True(model.ExternalInterrupt(0, 0xf3, EntryRoute.Software).Trapped);
        Assert.Single(p.Faults);
    }

    [Fact]
    public void Mainline_with_cfi_never_traps_exact_idtentry_t_wrappers()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.Latest, KernelVariant.Mainline, DeliveryKind.Fred, cfi: true,
            config: K.Config(("GUEST_PERF_EVENTS", true))));
        Assert.True(model.InstallSystemVector(0xf3, "sysvec_custom").Installed);
        for (var v = model.Layout.FirstSystemVector; v < 256; v++)
        {
            Assert.False(model.ExternalInterrupt(0, v, EntryRoute.Software).Trapped);
        }

        Assert.Empty(p.Faults);
    }

    [Fact]
    public void Rfc2022_without_cfi_runs_the_cast_handler()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, KernelVariant.Rfc2022, cfi: false));
        var r = model.ExternalInterrupt(0, 0xfd, EntryRoute.Software);
        Assert.Equal(("sysvec_reschedule_ipi", false), (r.Handler, r.Trapped));
        Assert.Equal(1UL, model.ProcInterrupts.Count("RES", 0));
        Assert.Empty(p.Faults);
    }

    [Fact]
    public void Rfc2022_with_cfi_on_the_Idt_route_never_traps_no_table()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, KernelVariant.Rfc2022, cfi: true));
        var r = model.ExternalInterrupt(0, 0xfd, EntryRoute.Idt);
        Assert.Equal(("sysvec_reschedule_ipi", DispatchPath.IdtGate, false), (r.Handler, r.Path, r.Trapped));
        Assert.Empty(p.Faults);
    }

    [Fact]
    public void Type_hashes_differ_and_are_stable()
    {
        Assert.NotEqual(KernelSymbols.TypeHash(SysvecHandlerType.IdtEntry), KernelSymbols.TypeHash(SysvecHandlerType.RegsVector));
        Assert.Equal(KernelSymbols.Fnv1a("_ZTSFvP7pt_regsmE"), KernelSymbols.TypeHash(SysvecHandlerType.RegsVector));
    }
}
