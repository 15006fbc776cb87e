using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IrqLab.Kernel.Proc;
using IrqLab.Kernel.Sysvec;

namespace IrqLab.Kernel;

/// <content>
/// The system vector handlers as typed function pointers (<c>idtentry_t</c> in the kernel): one static method per
/// <see cref="SysvecBehavior"/>, and the sealed table's dispatch slots (<c>sysvec_table[]</c>: handler, function, kCFI verdict).
/// </content>
public sealed unsafe partial class KernelModel
{
    /// <summary>
    /// The function of <paramref name="behavior"/>: what <c>sysvec_*</c> does in the model (accounting, EOI, messages), in the
    /// kernel's order of counting and EOI.
    /// </summary>
    private static delegate*<KernelModel, int, int, void> SysvecFunction(SysvecBehavior behavior) => behavior switch
    {
        SysvecBehavior.Spurious => &SysvecSpurious,
        SysvecBehavior.SpuriousApic => &SysvecSpuriousApic,
        SysvecBehavior.Error => &SysvecError,
        SysvecBehavior.Reschedule => &SysvecReschedule,
        SysvecBehavior.CallFunction => &SysvecCallFunction,
        SysvecBehavior.Thermal => &SysvecThermal,
        SysvecBehavior.Threshold => &SysvecThreshold,
        SysvecBehavior.DeferredError => &SysvecDeferredError,
        SysvecBehavior.PlatformIpi => &SysvecPlatformIpi,
        SysvecBehavior.IrqWork => &SysvecIrqWork,
        SysvecBehavior.HypervisorCallback => &SysvecHypervisorCallback,
        SysvecBehavior.PostedIntr => &SysvecPostedIntr,
        SysvecBehavior.PostedIntrWakeup => &SysvecPostedIntrWakeup,
        SysvecBehavior.PostedIntrNested => &SysvecPostedIntrNested,
        SysvecBehavior.HypervReenlightenment => &SysvecHypervReenlightenment,
        SysvecBehavior.HypervStimer0 => &SysvecHypervStimer0,
        SysvecBehavior.ApicTimer => &SysvecApicTimer,
        SysvecBehavior.PostedMsiNotification => &SysvecPostedMsiNotification,
        SysvecBehavior.PerfGuestMediatedPmi => &SysvecPerfGuestMediatedPmi,
        SysvecBehavior.Reboot => &SysvecReboot,

        // MoveCleanup (no counter), Custom.
        _ => &SysvecEoiOnly,
    };

    /// <summary>Runs the handler of <paramref name="behavior"/> (the IDT gates and the move-cleanup vector).</summary>
    private void RunSysvec(int cpu, int vector, SysvecBehavior behavior) => SysvecFunction(behavior)(this, cpu, vector);

    /// <summary>
    /// Builds the dispatch slots of the sealed table for every system vector (<c>FIRST_SYSTEM_VECTOR..255</c>), each read
    /// through <see cref="SystemVectorTable.Lookup"/> (so its clamp applies) with its kCFI verdict when the kCFI model is on.
    /// The table is read-only once sealed, so the slots never go stale.
    /// </summary>
    private SysvecSlot[] BuildSysvecSlots()
    {
        var table = SystemVectors;
        var slots = new SysvecSlot[Vectors.VectorSpace.NrVectors - _firstSystemVector];
        for (var i = 0; i < slots.Length; i++)
        {
            var h = table.Lookup(i);
            slots[i] = new SysvecSlot(h, SysvecFunction(h.Behavior), _cfi && table.FailsCfi(h));
        }

        return slots;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EoiThenCount(int cpu, ArchRow row)
    {
        _platform.ApicEoi(cpu);
        ArchCount(cpu, row)++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountThenEoi(int cpu, ArchRow row)
    {
        ArchCount(cpu, row)++;
        _platform.ApicEoi(cpu);
    }

    /// <summary>The /proc/interrupts counter of <paramref name="row"/> on <paramref name="cpu"/> (a checked CPU, a named row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref ulong ArchCount(int cpu, ArchRow row) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_archCounts), ((int)row * _nrCpus) + cpu);

    private static void SysvecSpurious(KernelModel m, int cpu, int vector) => m.HandleSpuriousInterrupt(cpu, vector);

    private static void SysvecSpuriousApic(KernelModel m, int cpu, int vector) => m.HandleSpuriousInterrupt(cpu, 0xff);

    /// <summary>
    /// <c>sysvec_error_interrupt</c> (arch/x86/kernel/apic/apic.c, 6.1 through latest): "First tickle the hardware, only
    /// then report what went on": <c>if (lapic_get_maxlvt() &gt; 3) apic_write(APIC_ESR, 0)</c>, which latches the
    /// collected errors into ESR (SDM Vol. 3A §11.5.3), <c>v = apic_read(APIC_ESR)</c>, <c>apic_eoi()</c>, then
    /// <c>irq_err_count</c> (ERR). The kernel then logs "APIC error on CPU%d: %02x" and the decoded bits only through
    /// <c>apic_printk(APIC_DEBUG, ...)</c> (<c>apic_pr_debug</c> since the apic_printk cleanup), i.e. only when booted with
    /// <c>apic=debug</c>; <c>apic_verbosity</c> defaults to APIC_QUIET, so the model prints nothing and drops <c>v</c>.
    /// (On x86-64 <c>lapic_is_integrated()</c> is always true: <c>lapic_get_maxlvt()</c> is GET_APIC_MAXLVT of APIC_LVR.)
    /// </summary>
    private static void SysvecError(KernelModel m, int cpu, int vector)
    {
        var platform = m._platform;
        if (ApicDef.GetMaxLvt(platform.ApicRead(cpu, ApicDef.Lvr)) > 3)
        {
            platform.ApicWrite(cpu, ApicDef.Esr, 0);
        }

        _ = platform.ApicRead(cpu, ApicDef.Esr);
        m.EoiThenCount(cpu, ArchRow.Err);
    }

    /// <summary>
    /// <c>sysvec_reboot()</c> (arch/x86/kernel/smp.c): <c>apic_eoi()</c>, then <c>stop_this_cpu()</c>
    /// (arch/x86/kernel/process.c), which takes the CPU out of <c>cpu_online_mask</c> (<c>set_cpu_online(cpu,
    /// false)</c>, see <see cref="Nmi"/>), disables the local APIC (<c>disable_local_APIC()</c> →
    /// <c>apic_soft_disable()</c>: <see cref="ClearLocalApic"/>, then the SPIV enable bit cleared, which also masks
    /// every LVT entry, SDM Vol. 3A §11.4.7.2) and halts with interrupts off for good. No counter. The CPU keeps its
    /// /proc/interrupts column (the kernel drops offline CPUs' columns; the model keeps them so counts stay per CPU).
    /// </summary>
    private static void SysvecReboot(KernelModel m, int cpu, int vector)
    {
        var platform = m._platform;
        platform.ApicEoi(cpu);
        m._offline[cpu] = true;
        m.ClearLocalApic(cpu);
        platform.ApicWrite(cpu, ApicDef.Spiv, platform.ApicRead(cpu, ApicDef.Spiv) & ~ApicDef.SpivApicEnabled);
        platform.HaltForever(cpu);
    }

    /// <summary>
    /// <c>clear_local_APIC()</c> (arch/x86/kernel/apic/apic.c, the same in 6.1 to the newest): LVTERR masked on
    /// ERROR_APIC_VECTOR first, then the mask ORed into LVTT, LVT0, LVT1, LVTPC and (with X86_THERMAL_VECTOR) the
    /// thermal entry, then "clean APIC state for other OSs": LVTT, LVT0, LVT1, LVTERR and LVTPC written as
    /// APIC_LVT_MASKED alone (vector 0, fixed, and for the timer one-shot mode), then the ESR write that latches the
    /// collected errors and its read. The CMCI entry, which it masks only with X86_MCE_INTEL (not modelled), is
    /// masked by the software disable that follows anyway.
    /// </summary>
    /// <remarks>
    /// Inlined into <see cref="SysvecReboot"/>, its one caller: compiled on its own, the runtime optimized it with a
    /// synthesized profile (<c>DOTNET_JitDisasmSummary</c>), so its 18 register accesses stayed interface calls, where
    /// inside the reboot handler the dynamic profile devirtualizes them (system-vector benchmark kernel, which sends
    /// REBOOT_VECTOR one time in twelve: 10.1-10.2 ns against 9.5-10.0 ns per op, native 8.5-8.7).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ClearLocalApic(int cpu)
    {
        var platform = _platform;
        var maxlvt = ApicDef.GetMaxLvt(platform.ApicRead(cpu, ApicDef.Lvr));
        if (maxlvt >= 3)
        {
            platform.ApicWrite(cpu, ApicDef.Lvterr, ApicDef.ErrorApicVector | ApicDef.LvtMasked);
        }

        platform.ApicWrite(cpu, ApicDef.Lvtt, platform.ApicRead(cpu, ApicDef.Lvtt) | ApicDef.LvtMasked);
        platform.ApicWrite(cpu, ApicDef.Lvt0, platform.ApicRead(cpu, ApicDef.Lvt0) | ApicDef.LvtMasked);
        platform.ApicWrite(cpu, ApicDef.Lvt1, platform.ApicRead(cpu, ApicDef.Lvt1) | ApicDef.LvtMasked);
        if (maxlvt >= 4)
        {
            platform.ApicWrite(cpu, ApicDef.Lvtpc, platform.ApicRead(cpu, ApicDef.Lvtpc) | ApicDef.LvtMasked);
        }

        if (maxlvt >= 5 && _thermalVector)
        {
            platform.ApicWrite(cpu, ApicDef.Lvtthmr, platform.ApicRead(cpu, ApicDef.Lvtthmr) | ApicDef.LvtMasked);
        }

        platform.ApicWrite(cpu, ApicDef.Lvtt, ApicDef.LvtMasked);
        platform.ApicWrite(cpu, ApicDef.Lvt0, ApicDef.LvtMasked);
        platform.ApicWrite(cpu, ApicDef.Lvt1, ApicDef.LvtMasked);
        if (maxlvt >= 3)
        {
            platform.ApicWrite(cpu, ApicDef.Lvterr, ApicDef.LvtMasked);
        }

        if (maxlvt >= 4)
        {
            platform.ApicWrite(cpu, ApicDef.Lvtpc, ApicDef.LvtMasked);
        }

        if (maxlvt > 3)
        {
            platform.ApicWrite(cpu, ApicDef.Esr, 0);
        }

        _ = platform.ApicRead(cpu, ApicDef.Esr);
    }

    private static void SysvecReschedule(KernelModel m, int cpu, int vector) => m.EoiThenCount(cpu, ArchRow.Res);

    private static void SysvecCallFunction(KernelModel m, int cpu, int vector) => m.EoiThenCount(cpu, ArchRow.Cal);

    private static void SysvecThermal(KernelModel m, int cpu, int vector)
    {
        m.ProcInterrupts.Increment(ArchRow.Trm, cpu);
        m._platform.Log(cpu, KernelLogLevel.Err, string.Create(CultureInfo.InvariantCulture, $"CPU{cpu}: Unexpected LVT thermal interrupt!"));
        m._platform.ApicEoi(cpu);
    }

    /// <summary>
    /// <c>default_threshold_interrupt()</c> (arch/x86/kernel/cpu/mce/threshold.c, 6.1 to newest):
    /// <c>pr_err("Unexpected threshold interrupt at vector %x\n", THRESHOLD_APIC_VECTOR)</c>. threshold.c includes the
    /// MCE code's "internal.h", whose <c>#define pr_fmt(fmt) "mce: " fmt</c> puts "mce: " in front.
    /// </summary>
    internal const string UnexpectedThresholdMessage = "mce: Unexpected threshold interrupt at vector f9";

    /// <summary>
    /// <c>default_deferred_error_interrupt()</c> (arch/x86/kernel/cpu/mce/amd.c, 6.1 to newest):
    /// <c>pr_err("Unexpected deferred interrupt at vector %x\n", DEFERRED_ERROR_VECTOR)</c>, with the "mce: " prefix of
    /// the "internal.h" that amd.c includes (as <see cref="UnexpectedThresholdMessage"/>).
    /// </summary>
    internal const string UnexpectedDeferredMessage = "mce: Unexpected deferred interrupt at vector f4";

    private static void SysvecThreshold(KernelModel m, int cpu, int vector)
    {
        m.ProcInterrupts.Increment(ArchRow.Thr, cpu);
        m._platform.Log(cpu, KernelLogLevel.Err, UnexpectedThresholdMessage);
        m._platform.ApicEoi(cpu);
    }

    private static void SysvecDeferredError(KernelModel m, int cpu, int vector)
    {
        m.ProcInterrupts.Increment(ArchRow.Dfr, cpu);
        m._platform.Log(cpu, KernelLogLevel.Err, UnexpectedDeferredMessage);
        m._platform.ApicEoi(cpu);
    }

    private static void SysvecPlatformIpi(KernelModel m, int cpu, int vector) => m.EoiThenCount(cpu, ArchRow.Plt);

    private static void SysvecIrqWork(KernelModel m, int cpu, int vector) => m.EoiThenCount(cpu, ArchRow.Iwi);

    private static void SysvecHypervisorCallback(KernelModel m, int cpu, int vector) => m.CountThenEoi(cpu, ArchRow.Hyp);

    private static void SysvecPostedIntr(KernelModel m, int cpu, int vector) => m.EoiThenCount(cpu, ArchRow.Pin);

    private static void SysvecPostedIntrWakeup(KernelModel m, int cpu, int vector)
    {
        m.EoiThenCount(cpu, ArchRow.Piw);
        m._platform.PostedInterruptWakeup(cpu);
    }

    private static void SysvecPostedIntrNested(KernelModel m, int cpu, int vector) => m.EoiThenCount(cpu, ArchRow.Npi);

    private static void SysvecHypervReenlightenment(KernelModel m, int cpu, int vector) => m.EoiThenCount(cpu, ArchRow.Hre);

    private static void SysvecHypervStimer0(KernelModel m, int cpu, int vector) => m.CountThenEoi(cpu, ArchRow.Hvs);

    private static void SysvecApicTimer(KernelModel m, int cpu, int vector) => m.EoiThenCount(cpu, ArchRow.Loc);

    private static void SysvecPostedMsiNotification(KernelModel m, int cpu, int vector) => m.CountThenEoi(cpu, ArchRow.Pmn);

    private static void SysvecPerfGuestMediatedPmi(KernelModel m, int cpu, int vector) => m.EoiThenCount(cpu, ArchRow.Vpmi);

    private static void SysvecEoiOnly(KernelModel m, int cpu, int vector) => m._platform.ApicEoi(cpu);

    /// <summary>One dispatch slot of the sealed system vector table.</summary>
    private readonly struct SysvecSlot
    {
        public readonly SysvecHandler Handler;
        public readonly string Name;
        public readonly delegate*<KernelModel, int, int, void> Run;
        public readonly bool CfiFails;

        public SysvecSlot(SysvecHandler handler, delegate*<KernelModel, int, int, void> run, bool cfiFails)
        {
            Handler = handler;
            Name = handler.Name;
            Run = run;
            CfiFails = cfiFails;
        }
    }
}
