using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IrqLab.Delivery;
using IrqLab.Kernel.Entry;
using IrqLab.Kernel.Irq;
using IrqLab.Kernel.Proc;
using IrqLab.Kernel.Sysvec;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;

namespace IrqLab.Kernel;

/// <content>Entry points: external interrupts, system vectors, <c>common_interrupt</c>, NMI and exceptions.</content>
public sealed partial class KernelModel
{
    /// <summary>
    /// An external interrupt on <paramref name="cpu"/>. <see cref="EntryRoute.Software"/> is <c>fred_extint()</c> /
    /// <c>external_interrupt()</c>: system vectors through the table (kCFI-checked), others <c>common_interrupt</c>.
    /// <see cref="EntryRoute.Idt"/> runs the handler in the IDT gate directly (no table, no CFI check).
    /// </summary>
    public DispatchResult ExternalInterrupt(int cpu, int vector, EntryRoute route)
    {
        if ((uint)cpu >= (uint)_nrCpus)
        {
            ThrowNoSuchCpu(cpu);
        }

        if ((uint)vector >= VectorSpace.NrVectors)
        {
            ThrowBadVector(vector);
        }

        // The first dispatch seals the table (interrupts are enabled only after init) and builds the slots; the IDT route
        // runs the gate's handler. Both leave from here without a call, so the hot paths below keep a small frame.
        var slots = _sysvecSlots;
        if (slots is null || route != EntryRoute.Software)
        {
            return ExternalInterruptSlow(cpu, vector, route);
        }

        var index = (uint)(vector - _firstSystemVector);
        if (index < (uint)slots.Length)
        {
            // fred_extint(): sysvec_table[array_index_nospec(vector - FIRST_SYSTEM_VECTOR, NR_SYSTEM_VECTORS)](regs)
            ref readonly var slot = ref slots[index];
            if (slot.CfiFails)
            {
                return CfiTrap(cpu, slot.Handler);
            }

            unsafe
            {
                slot.Run(this, cpu, vector);
            }

            return new DispatchResult(slot.Name, DispatchPath.SysvecTable, -1, 0, false);
        }

        // common_interrupt(): vector_irq[vector] of this CPU; an edge descriptor (MSI, MSI-X, IO-APIC edge) runs
        // handle_edge_irq() from here. Everything else (bad vectors, move cleanup, sentinels, other flows) below.
        if (vector >= VectorSpace.FirstExternalVector && vector != _moveCleanupVector)
        {
            // cpu < _nrCpus and vector < 256 were checked above, so the slot is inside the nrCpus * 256 table.
            var desc = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_vectorIrqDescs), (cpu << 8) | vector);
            if (desc is not null && desc.Flow == IrqFlow.Edge)
            {
                var cost = HandleEdgeIrq(desc, cpu);
                return new DispatchResult(CommonInterruptName, DispatchPath.CommonInterrupt, desc.Irq, cost, false);
            }
        }

        return SoftwareEntry(cpu, vector);
    }

    /// <summary><see cref="ExternalInterrupt"/> before the slots exist (seals the table first) and on the IDT route.</summary>
    private DispatchResult ExternalInterruptSlow(int cpu, int vector, EntryRoute route)
    {
        if (_sysvecSlots is null)
        {
            if (!SystemVectors.IsSealed)
            {
                SystemVectors.Seal();
            }

            _sysvecSlots = BuildSysvecSlots();
        }

        return route == EntryRoute.Software ? ExternalInterrupt(cpu, vector, route) : IdtGateEntry(cpu, vector);
    }

    [DoesNotReturn]
    private static void ThrowNoSuchCpu(int cpu) => throw new ArgumentOutOfRangeException(nameof(cpu), cpu, "no such CPU");

    [DoesNotReturn]
    private static void ThrowBadVector(int vector) => throw new ArgumentOutOfRangeException(nameof(vector), vector, "vectors are 0..255");

    /// <summary><c>exc_nmi</c>: NMI row +1, except on a CPU <c>stop_this_cpu()</c> took offline (<see cref="IsCpuOnline"/>).</summary>
    public DispatchResult Nmi(int cpu)
    {
        CheckCpu(cpu);

        // exc_nmi() (IDT and FRED entries, arch/x86/kernel/nmi.c, 6.1 to newest) returns at once on a CPU that is not
        // online (arch_cpu_is_offline()), before inc_irq_stat(__nmi_count) and default_do_nmi().
        if (!_offline[cpu])
        {
            ProcInterrupts.Increment(ArchRow.Nmi, cpu);
        }

        return new DispatchResult("exc_nmi", DispatchPath.Nmi, -1, 0, false);
    }

    /// <summary>
    /// The end of <c>default_do_nmi()</c> (arch/x86/kernel/nmi.c) on an online <paramref name="cpu"/> when no NMI_LOCAL
    /// handler claimed the NMI: the reason byte is read from the platform (<c>x86_platform.get_nmi_reason()</c>, port
    /// 0x61); with neither <c>NMI_REASON_SERR</c> nor <c>NMI_REASON_IOCHK</c> set it is an unknown NMI, and
    /// <c>unknown_nmi_error()</c> (no NMI_UNKNOWN handler registered, <c>unknown_nmi_panic</c> and
    /// <c>panic_on_unrecovered_nmi</c> off) logs two Emerg lines: "Uhhuh. NMI received for unknown reason %02x on CPU
    /// %d." and "Dazed and confused, but trying to continue". Plain <c>pr_emerg()</c> in 6.1 and 6.6;
    /// <c>pr_emerg_ratelimited()</c> from 6.9 ("x86/nmi: Rate limit unknown NMI messages", x86/misc for v6.9-rc1), each
    /// line with its own ratelimit state, whose "callbacks suppressed" line names <c>unknown_nmi_error</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The platform reported a SERR# or IOCHK# NMI, whose handling
    /// (<c>pci_serr_error()</c>, <c>io_check_error()</c>) is not modelled.</exception>
    public void UnknownNmi(int cpu)
    {
        CheckCpu(cpu);
        var reason = _platform.GetNmiReason();
        if ((reason & NmiReasonMask) != 0)
        {
            throw new InvalidOperationException($"NMI reason 0x{reason:x2}: SERR#/IOCHK# NMIs are not modelled");
        }

        var ratelimited = Options.Version >= KernelVersion.V6_9;
        LogRatelimited(cpu, ratelimited ? _unknownNmiRateLimit : null, "unknown_nmi_error", KernelLogLevel.Emerg,
            string.Create(CultureInfo.InvariantCulture, $"Uhhuh. NMI received for unknown reason {reason:x2} on CPU {cpu}."));
        LogRatelimited(cpu, ratelimited ? _dazedRateLimit : null, "unknown_nmi_error", KernelLogLevel.Emerg, "Dazed and confused, but trying to continue");
    }

    /// <summary><c>NMI_REASON_SERR | NMI_REASON_IOCHK</c> (arch/x86/include/asm/mach_traps.h).</summary>
    private const byte NmiReasonMask = 0xC0;

    /// <summary>
    /// <c>printk()</c> at <paramref name="level"/>, or its <c>pr_*_ratelimited()</c> form with <paramref name="rateLimit"/>
    /// (the call site's own state, lib/ratelimit.c): a message the state refuses is dropped, and the first one let
    /// through after refusals is preceded by <c>___ratelimit()</c>'s Warning "<paramref name="func"/>: N callbacks
    /// suppressed", <paramref name="func"/> being the function the call site is in.
    /// </summary>
    internal void LogRatelimited(int cpu, RateLimit? rateLimit, string func, KernelLogLevel level, string text)
    {
        if (rateLimit is not null)
        {
            if (!rateLimit.Allow(_platform.NowNs, out var suppressed))
            {
                return;
            }

            if (suppressed > 0)
            {
                _platform.Log(cpu, KernelLogLevel.Warning, string.Create(CultureInfo.InvariantCulture, $"{func}: {suppressed} callbacks suppressed"));
            }
        }

        _platform.Log(cpu, level, text);
    }

    /// <summary>
    /// An exception: the <c>exc_*</c> handler of <see cref="ExceptionTable"/> (vector 2 is the NMI). #MC counts the MCE row
    /// when X86_MCE is on. Under IDT delivery a vector without a Linux handler (reserved, or its Kconfig option off)
    /// returns handler <c>"unhandled"</c> (what the CPU does then is the Delivery layer's). Under FRED delivery Linux
    /// switches in software (<c>entry_fred.c</c>): a hardware exception <c>fred_hwexc()</c> has no case for (9, 15,
    /// reserved vectors, guarded ones with their option off, #VC before <c>latest</c>) and a software exception other
    /// than #BP/#OF go to <c>fred_bad_type()</c>, which logs its "BUG: invalid or fatal FRED event" line and oopses.
    /// </summary>
    public DispatchResult Exception(int cpu, int vector, ulong errorCode)
    {
        CheckCpu(cpu);
        if (vector == VectorSpace.NmiVector)
        {
            return Nmi(cpu);
        }

        if (Options.Delivery == DeliveryKind.Fred)
        {
            var type = vector is 3 or 4 ? EventType.SoftwareException : EventType.HardwareException;
            var ev = new CpuEvent(type, (byte)vector, errorCode);
            if (FredEntry.Route(ev, false, _entryConfig, longMode: true, Options.Version).Kind == EntryTargetKind.BadType)
            {
                return FredBadType(cpu, ev, errorCode);
            }
        }

        return IdtException(cpu, vector, errorCode);
    }

    /// <summary>
    /// <c>fred_bad_type()</c> for an event on stack level 0: <c>pr_alert</c> "BUG: ..." (type, vector, error code, event data,
    /// CS, IP), then <c>__die("Invalid or fatal FRED event")</c>. The interrupted IP is not modelled: the line shows
    /// <c>default_idle</c>'s modelled address. An event on a raised stack level would panic instead (not modelled here).
    /// </summary>
    private DispatchResult FredBadType(int cpu, in CpuEvent ev, ulong errorCode)
    {
        var ip = 0xFFFF_FFFF_8100_0000UL + (KernelSymbols.Fnv1a("default_idle") & 0x00FF_FFF0u);
        _platform.Log(cpu, KernelLogLevel.Alert, FredEntry.BadTypeMessage(ev, raisedStackLevel: false, errorCode, 0, LinuxIdt.KernelCs, ip));
        Oops(cpu, FredEntry.BadTypeDieString(raisedStackLevel: false), errorCode);
        return new DispatchResult(FredEntry.BadTypeHandler, DispatchPath.Exception, -1, 0, false);
    }

    /// <summary>
    /// The handler the IDT gate of exception <paramref name="vector"/> reaches (idt.c def_idts). <c>exc_double_fault</c>
    /// (arch/x86/kernel/traps.c, every modelled version; FRED's <c>fred_hwexc()</c> calls it too) never returns to the
    /// faulting code: <c>pr_emerg("PANIC: double fault, error_code: 0x%lx\n")</c>, which traps.c's
    /// <c>#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt</c> prints as "traps: PANIC: ...", then <c>die("double fault")</c>,
    /// whose header (a raw <c>printk</c>, no prefix) the model logs; the panic that follows (<c>oops_end()</c> in NMI context, <c>panic("Machine
    /// halted.")</c>) and the stop of every CPU are not modelled. The stack-guard path (<c>handle_stack_overflow</c>)
    /// needs a faulting address the model does not have.
    /// </summary>
    private DispatchResult IdtException(int cpu, int vector, ulong errorCode = 0)
    {
        if (vector == VectorSpace.NmiVector)
        {
            return Nmi(cpu);
        }

        if (_entryConfig.ExceptionHandler(vector) is not { } handler)
        {
            return new DispatchResult("unhandled", DispatchPath.Exception, -1, 0, false);
        }

        if (vector == 18)
        {
            ProcInterrupts.Increment(ArchRow.Mce, cpu);
        }
        else if (vector == 8)
        {
            _platform.Log(cpu, KernelLogLevel.Emerg,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"traps: PANIC: double fault, error_code: 0x{errorCode:x}"));
            Oops(cpu, "double fault", errorCode);
        }

        return new DispatchResult(handler, DispatchPath.Exception, -1, 0, false);
    }

    /// <summary><c>fred_extint()</c> / <c>external_interrupt()</c> for a vector below FIRST_SYSTEM_VECTOR.</summary>
    private DispatchResult SoftwareEntry(int cpu, int vector)
    {
        if (vector < VectorSpace.FirstExternalVector)
        {
            return BadExternalVector(cpu, vector);
        }

        if (IsMoveCleanup(vector))
        {
            // 2022 series patch 1: common_interrupt() handles IRQ_MOVE_CLEANUP_VECTOR.
            RunSysvec(cpu, vector, SysvecBehavior.MoveCleanup);
            return new DispatchResult("sysvec_irq_move_cleanup", DispatchPath.CommonInterrupt, -1, 0, false);
        }

        return CommonInterrupt(cpu, vector);
    }

    private DispatchResult IdtGateEntry(int cpu, int vector)
    {
        if (vector < VectorSpace.FirstExternalVector)
        {
            return IdtException(cpu, vector);
        }

        if (Layout.IsSystemVector(vector))
        {
            // idt_setup_apic_and_irq_gates(): installed asm_sysvec_* gate, else the spurious_entries_start stub.
            var h = SystemVectors.GateForVector(vector);
            RunSysvec(cpu, vector, h.Behavior);
            return new DispatchResult(h.Name, DispatchPath.IdtGate, -1, 0, false);
        }

        if (IsMoveCleanup(vector))
        {
            RunSysvec(cpu, vector, SysvecBehavior.MoveCleanup);
            return new DispatchResult("sysvec_irq_move_cleanup", DispatchPath.IdtGate, -1, 0, false);
        }

        if (vector == VectorSpace.Ia32SyscallVector && Options.IsEnabled("IA32_EMULATION") && Options.Delivery == DeliveryKind.Idt)
        {
            // The int $0x80 gate: a syscall entry, which does no APIC EOI.
            return new DispatchResult(LinuxIdt.Int80Handler(Options.Version), DispatchPath.IdtGate, -1, 0, false);
        }

        return CommonInterrupt(cpu, vector);
    }

    /// <summary>
    /// <c>report_bug()</c>'s <c>pr_crit("kernel BUG at %s:%u!\n", file, line)</c> (lib/bug.c) for the
    /// <c>BUG_ON(vector &lt; FIRST_EXTERNAL_VECTOR)</c> of the Nov 2022 <c>external_interrupt()</c>: patch 4/6
    /// (Message-Id 20221110055347.7463-5-xin3.li@intel.com, hunk <c>@@ -1507,6 +1507,27 @@</c> of arch/x86/kernel/traps.c)
    /// puts it on line 1523 of traps.c with patches 1-4 of the series applied.
    /// </summary>
    internal const string Rfc2022ExternalInterruptBug = "kernel BUG at arch/x86/kernel/traps.c:1523!";

    /// <summary>
    /// The same line for the <c>BUG_ON(n &lt; FIRST_SYSTEM_VECTOR)</c> of <c>install_system_interrupt_handler()</c>: patch
    /// 3/6 (Message-Id 20221110055347.7463-4-xin3.li@intel.com, hunk <c>@@ -1499,6 +1499,14 @@</c>) puts it on line 1504.
    /// </summary>
    internal const string Rfc2022InstallBug = "kernel BUG at arch/x86/kernel/traps.c:1504!";

    private bool IsMoveCleanup(int vector) => vector == _moveCleanupVector && Options.IsEnabled("SMP");

    private DispatchResult BadExternalVector(int cpu, int vector)
    {
        if (Options.Variant == KernelVariant.Rfc2022)
        {
            // external_interrupt(): BUG_ON(vector < FIRST_EXTERNAL_VECTOR) -> UD2 -> report_bug() -> die("invalid opcode").
            // The handler that starts is exc_invalid_op for that #UD, as after a kCFI trap: Trapped.
            _platform.Log(cpu, KernelLogLevel.Crit, Rfc2022ExternalInterruptBug);
            Oops(cpu, "invalid opcode");
            return new DispatchResult("exc_invalid_op", DispatchPath.Exception, -1, 0, true);
        }

        // fred_extint(): WARN_ON_ONCE(vector < FIRST_EXTERNAL_VECTOR) and return.
        if (_warnedOnce.Add("fred_extint"))
        {
            _platform.Log(cpu, KernelLogLevel.Warning, WarningLine(cpu, "arch/x86/entry/entry_fred.c", "fred_extint",
                string.Create(CultureInfo.InvariantCulture, $"WARN_ON_ONCE(vector < FIRST_EXTERNAL_VECTOR): vector {vector}")));
        }

        return new DispatchResult("unhandled", DispatchPath.SysvecTable, -1, 0, false);
    }

    private DispatchResult CfiTrap(int cpu, SysvecHandler target)
    {
        var caller = Options.Variant == KernelVariant.Rfc2022 ? "external_interrupt" : "fred_extint";
        var hash = KernelSymbols.TypeHash(SystemVectors.TableType);
        _platform.Log(cpu, KernelLogLevel.Err, string.Create(CultureInfo.InvariantCulture,
            $"CFI failure at {KernelSymbols.CallSite(caller)} (target: {KernelSymbols.Symbolize(target.Symbol, 0)}; expected type: 0x{hash:x8})"));
        Oops(cpu, "invalid opcode");
        _platform.Fault(cpu, "cfi_failure");
        return new DispatchResult("exc_invalid_op", DispatchPath.Exception, -1, 0, true);
    }

    /// <summary><c>handle_spurious_interrupt()</c> (<c>arch/x86/kernel/apic/apic.c</c>).</summary>
    private void HandleSpuriousInterrupt(int cpu, int vector)
    {
        ProcInterrupts.Increment(ArchRow.Spu, cpu);
        if (vector == 0xff)
        {
            _platform.Log(cpu, KernelLogLevel.Info, string.Create(CultureInfo.InvariantCulture,
                $"Spurious APIC interrupt (vector 0xFF) on CPU#{cpu}, should never happen."));
            return;
        }

        if (_platform.ApicIsrIsSet(cpu, vector))
        {
            _platform.Log(cpu, KernelLogLevel.Info, string.Create(CultureInfo.InvariantCulture,
                $"Spurious interrupt (vector 0x{vector:x2}) on CPU#{cpu}. Acked"));
            _platform.ApicEoi(cpu);
        }
        else
        {
            _platform.Log(cpu, KernelLogLevel.Info, string.Create(CultureInfo.InvariantCulture,
                $"Spurious interrupt (vector 0x{vector:x2}) on CPU#{cpu}. Not pending!"));
        }
    }

    /// <summary>
    /// <c>common_interrupt</c> body (<c>arch/x86/kernel/irq.c</c>): descriptor → flow handler (the chip owns the EOI);
    /// sentinel → per version: 6.1-6.9 EOI first then "__common_interrupt: %d.%u No irq handler for vector" for UNUSED,
    /// 6.10 <c>call_irq_handler</c> (message, then EOI), 6.17+ (<c>latest</c>) <c>reevaluate_vector</c> "No irq handler for %d.%u".
    /// SHUTDOWN / RETRIGGERED are silently reset to UNUSED.
    /// </summary>
    private DispatchResult CommonInterrupt(int cpu, int vector)
    {
        var table = _vectorIrq[cpu];
        var desc = table.DescOf(vector);
        if (desc is not null)
        {
            var cost = desc.Flow == IrqFlow.Edge ? HandleEdgeIrq(desc, cpu) : HandleIrq(desc, cpu);
            return new DispatchResult(CommonInterruptName, DispatchPath.CommonInterrupt, desc.Irq, cost, false, FlowEndDue(desc, cost));
        }

        return CommonInterruptNoDesc(cpu, vector, table);
    }

    /// <summary><c>common_interrupt</c> for a <c>vector_irq</c> slot holding a sentinel (cold: kept out of the hot caller).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private DispatchResult CommonInterruptNoDesc(int cpu, int vector, VectorIrqTable table)
    {
        var kind = table.KindOf(vector);
        switch (Options.Version)
        {
            case KernelVersion.V6_1:
            case KernelVersion.V6_6:
            case KernelVersion.V6_9:
                _platform.ApicEoi(cpu);
                NoHandler(cpu, vector, kind, "__common_interrupt: {0}.{1} No irq handler for vector");
                break;
            case KernelVersion.V6_10:
                NoHandler(cpu, vector, kind, "call_irq_handler: {0}.{1} No irq handler for vector");
                _platform.ApicEoi(cpu);
                break;
            default:
                // lock_vector_lock(); reevaluate_vector(): the slot is read again under the lock.
                var again = table.DescOf(vector);
                if (again is not null)
                {
                    var cost = HandleIrq(again, cpu);
                    return new DispatchResult(CommonInterruptName, DispatchPath.CommonInterrupt, again.Irq, cost, false, FlowEndDue(again, cost));
                }

                NoHandler(cpu, vector, table.KindOf(vector), "No irq handler for {0}.{1}");
                _platform.ApicEoi(cpu);
                break;
        }

        return new DispatchResult(CommonInterruptName, DispatchPath.CommonInterrupt, -1, 0, false);
    }

    private void NoHandler(int cpu, int vector, VectorIrqKind kind, string format)
    {
        if (kind != VectorIrqKind.Unused)
        {
            _vectorIrq[cpu].SetSentinel(vector, VectorIrqKind.Unused);
            return;
        }

        // The function whose ratelimit state it is, named by its "callbacks suppressed" line.
        var func = Options.Version switch
        {
            KernelVersion.V6_10 => "call_irq_handler",
            KernelVersion.Latest => "reevaluate_vector",
            _ => "__common_interrupt",
        };
        LogRatelimited(cpu, _noHandlerRateLimit, func, KernelLogLevel.Emerg, string.Format(CultureInfo.InvariantCulture, format, cpu, vector));
    }
}
