using static IrqLab.Hardware.Apic.ApicConst;

namespace IrqLab.Hardware.Apic;

/// <content>
/// The core's time-stamp counter as the TSC-deadline comparator sees it (SDM Vol. 3B §18.17, §11.5.4.1):
/// IA32_TIME_STAMP_COUNTER (MSR 0x10) reads floor(t_ns · TscHz / 1e9) + IA32_TSC_ADJUST (MSR 0x3B, 0 at power-up).
/// A WRMSR to IA32_TIME_STAMP_COUNTER that moves the counter by X also adds X to IA32_TSC_ADJUST, and a WRMSR to
/// IA32_TSC_ADJUST moves the counter by the difference (SDM §18.17.3), so the adjust MSR is the per-CPU offset.
/// Arithmetic is modulo 2^64 as the 64-bit counter wraps; INIT leaves both MSRs unchanged (SDM Table 9-1).
/// </content>
public sealed partial class LocalApic
{
    private ulong _tscAdjust;

    /// <summary>IA32_TSC_ADJUST: what WRMSRs to the TSC (or to this MSR) have added to the counter, modulo 2^64.</summary>
    public ulong TscAdjust => _tscAdjust;

    /// <summary>This CPU's TSC at simulated time <paramref name="nowNs"/>: floor(t_ns · TscHz / 1e9) (SCENARIOS.md §4)
    /// plus IA32_TSC_ADJUST, modulo 2^64 (exact integer arithmetic).</summary>
    public ulong TscAt(long nowNs) => unchecked(TscCountAt(nowNs) + _tscAdjust);

    /// <summary>The unadjusted count floor(t_ns · TscHz / 1e9), modulo 2^64.</summary>
    private ulong TscCountAt(long nowNs) => (ulong)((UInt128)(ulong)nowNs * (ulong)_options.TscHz / NsPerSecond);

    /// <summary>RDMSR of IA32_TIME_STAMP_COUNTER or IA32_TSC_ADJUST; readable in every APIC mode.</summary>
    private ulong ReadTscMsr(uint msr) => msr == MsrTsc ? TscAt(_host.NowNs) : _tscAdjust;

    /// <summary>
    /// WRMSR of IA32_TIME_STAMP_COUNTER (all 64 bits are written) or IA32_TSC_ADJUST (SDM §18.17.3); an armed TSC
    /// deadline is re-evaluated against the new count, so a jump past it fires at once.
    /// </summary>
    private void WriteTscMsr(uint msr, ulong value)
    {
        var now = _host.NowNs;
        _tscAdjust = msr == MsrTsc ? unchecked(value - TscCountAt(now)) : value;
        if (IsTscDeadlineMode && _tscDeadline != 0 && _mode != LocalApicMode.Disabled)
        {
            ArmTscDeadline();
            _host.TimerChanged(this);
        }
    }
}
