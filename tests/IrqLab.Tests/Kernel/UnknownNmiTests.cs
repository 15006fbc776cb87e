using IrqLab.Kernel;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>
/// <c>unknown_nmi_error()</c> (arch/x86/kernel/nmi.c), reached from <c>default_do_nmi()</c> when no NMI_LOCAL handler
/// claimed the NMI and the reason byte (<c>x86_platform.get_nmi_reason()</c>, port 0x61) has neither SERR# nor IOCHK#.
/// </summary>
public sealed class UnknownNmiTests
{
    private const string Dazed = "Dazed and confused, but trying to continue";

    [Theory]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_6)]
    [InlineData(KernelVersion.V6_9)]
    [InlineData(KernelVersion.V6_10)]
    [InlineData(KernelVersion.Latest)]
    public void Unknown_nmi_logs_uhhuh_with_the_reason_byte_in_hex_and_dazed_at_emerg_nmi_c(KernelVersion version)
    {
        var model = K.Model(out var p, K.Options(version, cpus: 4));
        p.NmiReason = 0x0c;
        model.UnknownNmi(3);
        Assert.Equal(
            [
                (3, KernelLogLevel.Emerg, "Uhhuh. NMI received for unknown reason 0c on CPU 3."),
                (3, KernelLogLevel.Emerg, Dazed),
            ],
            p.Logs);
    }

    /// <summary>
    /// 6.1 and 6.6 print both lines with plain pr_emerg(); "x86/nmi: Rate limit unknown NMI messages" (merged for 6.9) made each a
    /// pr_emerg_ratelimited() with its own state (10 per 5 s, lib/ratelimit.c), so 13 NMIs log 20 lines there, and the
    /// next interval starts with each state's "unknown_nmi_error: 3 callbacks suppressed" Warning before its line.
    /// </summary>
    [Theory]
    [InlineData(KernelVersion.V6_1, false)]
    [InlineData(KernelVersion.V6_6, false)]
    [InlineData(KernelVersion.V6_9, true)]
    [InlineData(KernelVersion.V6_10, true)]
    [InlineData(KernelVersion.Latest, true)]
    public void Unknown_nmi_lines_are_ratelimited_from_6_9_each_with_its_own_state_nmi_c(KernelVersion version, bool ratelimited)
    {
        var model = K.Model(out var p, K.Options(version));
        for (var i = 0; i < 13; i++)
        {
            model.UnknownNmi(0);
        }

        Assert.Equal(ratelimited ? 20 : 26, p.Logs.Count);
        p.Logs.Clear();
        p.NowNs = 5_001_000_000;
        model.UnknownNmi(0);
        string[] expected = ratelimited
            ?
            [
                "unknown_nmi_error: 3 callbacks suppressed", "Uhhuh. NMI received for unknown reason 00 on CPU 0.",
                "unknown_nmi_error: 3 callbacks suppressed", Dazed,
            ]
            : ["Uhhuh. NMI received for unknown reason 00 on CPU 0.", Dazed];
        Assert.Equal(expected, p.Texts);
        Assert.All(p.Logs.Where(l => l.Text.Contains("suppressed", StringComparison.Ordinal)), l => Assert.Equal(KernelLogLevel.Warning, l.Level));
    }

    /// <summary>A reason with NMI_REASON_SERR (0x80) or NMI_REASON_IOCHK (0x40) is an external NMI, not an unknown one
    /// (pci_serr_error(), io_check_error()): the model does not have those paths and says so instead of misreporting.</summary>
    [Theory]
    [InlineData(0x80)]
    [InlineData(0x40)]
    public void Serr_or_iochk_reason_is_refused_as_not_modelled(byte reason)
    {
        var model = K.Model(out var p, K.Options(KernelVersion.Latest));
        p.NmiReason = reason;
        Assert.Throws<InvalidOperationException>(() => model.UnknownNmi(0));
        Assert.Empty(p.Logs);
    }
}
