using System.Globalization;
using IrqLab.Delivery;
using IrqLab.Vectors;

namespace IrqLab.Kernel.Entry;

/// <summary>
/// Linux's FRED entry decoding (<c>arch/x86/entry/entry_fred.c</c>, 6.9 to newest; shared/reference/linux-dispatch.md
/// §2.2): <c>fred_entry_from_user</c> / <c>fred_entry_from_kernel</c> switch on the event type, then <c>fred_extint</c>,
/// <c>fred_hwexc</c>, <c>fred_swexc</c>, <c>fred_intx</c>, <c>fred_other</c>, and <c>fred_bad_type</c> for the rest.
/// </summary>
public static class FredEntry
{
    /// <summary>FRED "other" event vector of SYSCALL (<c>FRED_SYSCALL</c>).</summary>
    public const int FredSyscall = 1;

    /// <summary>FRED "other" event vector of SYSENTER (<c>FRED_SYSENTER</c>).</summary>
    public const int FredSysenter = 2;

    /// <summary>Handler name of the bad-type path.</summary>
    public const string BadTypeHandler = "fred_bad_type";

    /// <summary>Handler name of the external-interrupt path.</summary>
    public const string ExtIntHandler = "fred_extint";

    // fred_hwexc's unconditional cases: DE DB BR UD NM DF TS NP SS GP PF MF AC XF. MC, VE and CP depend on Kconfig.
    private const uint HwexcUnguarded =
        (1u << 0) | (1u << 1) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 10) | (1u << 11)
        | (1u << 12) | (1u << 13) | (1u << 14) | (1u << 16) | (1u << 17) | (1u << 19);

    private const uint HwexcGuarded = (1u << 18) | (1u << 20) | (1u << 21);

    // #VC (29) under CONFIG_AMD_MEM_ENCRYPT: the case the newest fred_hwexc has (see HasFredVcCase).
    private const uint HwexcVc = 1u << 29;

    /// <summary>
    /// Routes <paramref name="ev"/> with every guarded exception handler built in. SYSCALL is taken as coming from 64-bit
    /// mode and SYSENTER from compatibility mode (the frame's L bit).
    /// </summary>
    public static EntryTarget Route(in CpuEvent ev, bool fromUser, bool ia32Emulation) =>
        Route(ev, fromUser, EntryConfig.AllHandlers(ia32Emulation), longMode: ev.Vector != FredSysenter);

    /// <summary>
    /// Routes <paramref name="ev"/> under <paramref name="config"/> with the <c>fred_hwexc</c> of 6.9 and 6.10 (no #VC
    /// case); <paramref name="longMode"/> is the frame's L bit.
    /// </summary>
    public static EntryTarget Route(in CpuEvent ev, bool fromUser, in EntryConfig config, bool longMode) =>
        Route(ev, fromUser, config, longMode, vcCase: false);

    /// <summary>As <see cref="Route(in CpuEvent, bool, in EntryConfig, bool)"/> with the <c>fred_hwexc</c> of <paramref name="version"/>.</summary>
    public static EntryTarget Route(in CpuEvent ev, bool fromUser, in EntryConfig config, bool longMode, KernelVersion version) =>
        Route(ev, fromUser, config, longMode, HasFredVcCase(version));

    /// <summary>
    /// True when <c>fred_hwexc</c> of <paramref name="version"/> sends #VC (29) to <c>exc_vmm_communication</c> under
    /// CONFIG_AMD_MEM_ENCRYPT: the newest mainline (<c>arch/x86/entry/entry_fred.c</c> after "x86/fred: Fix early boot
    /// failures on SEV-ES/SNP guests", 2026, Fixes: the FRED dispatch code of 6.9; stable 6.12.y and 6.18.y carry it
    /// too, which the release names here do not model). 6.9 and 6.10 as released have no #VC case: #VC is a bad type.
    /// </summary>
    public static bool HasFredVcCase(KernelVersion version) => version == KernelVersion.Latest;

    private static EntryTarget Route(in CpuEvent ev, bool fromUser, in EntryConfig config, bool longMode, bool vcCase)
    {
        int v = ev.Vector;
        switch (ev.Type)
        {
            case EventType.ExternalInterrupt:
                return ExtInt(v);
            case EventType.Nmi:
                return v == VectorSpace.NmiVector ? new(EntryTargetKind.Nmi, "exc_nmi", v) : Bad(v);
            case EventType.HardwareException:
                return HwExc(v, config, vcCase);
            case EventType.SoftwareInterrupt when fromUser:
                return IntX(v, config);
            case EventType.PrivilegedSoftwareException:
                return v == 1 ? Exc(1) : Bad(v);
            case EventType.SoftwareException:
                return v is 3 or 4 ? Exc(v) : Bad(v);
            case EventType.Other when fromUser:
                return Other(v, config, longMode);
            default:
                return Bad(v);
        }
    }

    /// <summary>
    /// The line <c>fred_bad_type</c> logs (without the trailing newline): "PANIC: ..." at KERN_EMERG when the event came
    /// in on a raised stack level (<c>fred_cs.sl &gt; 0</c>), else "BUG: ..." at KERN_ALERT
    /// (shared/reference/linux-dispatch.md §7.4).
    /// </summary>
    public static string BadTypeMessage(in CpuEvent ev, bool raisedStackLevel, ulong errorCode, ulong eventData, ushort cs, ulong ip) =>
        string.Format(
            CultureInfo.InvariantCulture,
            "{0}: invalid or fatal FRED event; event type {1} vector {2} error 0x{3:x} aux 0x{4:x} at {5:x4}:{6:x16}",
            raisedStackLevel ? "PANIC" : "BUG",
            (byte)ev.Type & 0xF,
            ev.Vector,
            errorCode,
            eventData,
            cs,
            ip);

    /// <summary>The kernel log level of <see cref="BadTypeMessage"/>: <c>emerg</c> (panic) or <c>alert</c> (oops).</summary>
    public static string BadTypeLevel(bool raisedStackLevel) => raisedStackLevel ? "emerg" : "alert";

    /// <summary>The <c>die()</c>/<c>__die()</c> string that follows: "invalid or fatal FRED event" (panic) or "Invalid or fatal FRED event" (oops).</summary>
    public static string BadTypeDieString(bool raisedStackLevel) =>
        raisedStackLevel ? "invalid or fatal FRED event" : "Invalid or fatal FRED event";

    private static EntryTarget ExtInt(int v) =>
        v < VectorSpace.FirstExternalVector
            ? new(EntryTargetKind.Unhandled, ExtIntHandler, v) // WARN_ON_ONCE(vector < FIRST_EXTERNAL_VECTOR); return
            : new(EntryTargetKind.ExternalInterrupt, ExtIntHandler, v);

    private static EntryTarget HwExc(int v, in EntryConfig config, bool vcCase)
    {
        if (v < 32)
        {
            var bit = 1u << v;
            var guarded = vcCase ? HwexcGuarded | HwexcVc : HwexcGuarded;
            if ((HwexcUnguarded & bit) != 0
                || ((guarded & bit) != 0 && config.IsEnabled(ExceptionTable.All[v].LinuxConfig)))
            {
                return Exc(v);
            }
        }

        return Bad(v);
    }

    private static EntryTarget IntX(int v, in EntryConfig config) => v switch
    {
        3 or 4 => Exc(v),
        VectorSpace.Ia32SyscallVector when config.Ia32Emulation => new(EntryTargetKind.Syscall, "int80_emulation", v),
        _ => new(EntryTargetKind.Exception, "exc_general_protection", v),
    };

    private static EntryTarget Other(int v, in EntryConfig config, bool longMode)
    {
        if (v == FredSyscall && longMode)
        {
            return new(EntryTargetKind.Syscall, "do_syscall_64", v);
        }

        if (config.Ia32Emulation && v == FredSysenter && !longMode)
        {
            return new(EntryTargetKind.Syscall, "do_fast_syscall_32", v);
        }

        return new(EntryTargetKind.Exception, "exc_invalid_op", v);
    }

    private static EntryTarget Exc(int v) => new(EntryTargetKind.Exception, ExceptionTable.All[v].LinuxHandler!, v);

    private static EntryTarget Bad(int v) => new(EntryTargetKind.BadType, BadTypeHandler, v);
}
