using System.Collections.Immutable;

namespace IrqLab.Vectors;

/// <summary>
/// The system vectors of each kernel version, as data. Source: <c>arch/x86/include/asm/irq_vectors.h</c>,
/// <c>idtentry.h</c> and <c>entry_fred.c</c> of 6.1, 6.6, 6.9, 6.10 and the newest mainline tree
/// (shared/reference/linux-dispatch.md §1.3). FIRST_SYSTEM_VECTOR is never typed here: <see cref="VectorLayout"/>
/// derives it from the lowest entry.
/// </summary>
internal static class LinuxVectorLayouts
{
    private static readonly ImmutableArray<(string, string)> s_hypervisorCallbacks =
    [
        ("HYPERV", "sysvec_hyperv_callback"),
        ("ACRN_GUEST", "sysvec_acrn_hv_callback"),
        ("XEN_PVHVM", "sysvec_xen_hvm_callback"),
        ("KVM_GUEST", "sysvec_kvm_asyncpf_interrupt"),
    ];

    private static IEnumerable<SystemVectorInfo> Common(KernelVersion version)
    {
        const SystemVectorInstall S = SystemVectorInstall.Static;

        // irq_vectors.h: the three posted-interrupt constants sit inside #ifdef CONFIG_HAVE_KVM up to 6.8 and are
        // unconditional from 6.9 (defined for FRED's sysvec_table[]); the two Hyper-V constants sit inside
        // #if IS_ENABLED(CONFIG_HYPERV) in every version.
        var kvmNames = version < KernelVersion.V6_9 ? "HAVE_KVM" : null;
        yield return new(0xff, "SPURIOUS_APIC_VECTOR", "sysvec_spurious_apic_interrupt", "X86_LOCAL_APIC", "SPU", S);
        yield return new(0xfe, "ERROR_APIC_VECTOR", "sysvec_error_interrupt", "X86_LOCAL_APIC", "ERR", S);
        yield return new(0xfd, "RESCHEDULE_VECTOR", "sysvec_reschedule_ipi", "SMP", "RES", S);
        yield return new(0xfc, "CALL_FUNCTION_VECTOR", "sysvec_call_function", "SMP", "CAL", S);
        yield return new(0xfb, "CALL_FUNCTION_SINGLE_VECTOR", "sysvec_call_function_single", "SMP", "CAL", S);
        yield return new(0xfa, "THERMAL_APIC_VECTOR", "sysvec_thermal", "X86_THERMAL_VECTOR", "TRM", S);
        yield return new(0xf9, "THRESHOLD_APIC_VECTOR", "sysvec_threshold", "X86_MCE_THRESHOLD", "THR", S);
        yield return new(0xf8, "REBOOT_VECTOR", "sysvec_reboot", "SMP", null, S);
        yield return new(0xf7, "X86_PLATFORM_IPI_VECTOR", "sysvec_x86_platform_ipi", "X86_LOCAL_APIC", "PLT", S);
        yield return new(0xf6, "IRQ_WORK_VECTOR", "sysvec_irq_work", "IRQ_WORK", "IWI", S);
        yield return new(0xf4, "DEFERRED_ERROR_VECTOR", "sysvec_deferred_error", "X86_MCE_AMD", "DFR", S);
        yield return new(0xf3, "HYPERVISOR_CALLBACK_VECTOR", null, null, "HYP", SystemVectorInstall.Runtime, s_hypervisorCallbacks);
        yield return new(0xf2, "POSTED_INTR_VECTOR", "sysvec_kvm_posted_intr_ipi", "HAVE_KVM", "PIN", S) { NameConfig = kvmNames };
        yield return new(0xf1, "POSTED_INTR_WAKEUP_VECTOR", "sysvec_kvm_posted_intr_wakeup_ipi", "HAVE_KVM", "PIW", S) { NameConfig = kvmNames };
        yield return new(0xf0, "POSTED_INTR_NESTED_VECTOR", "sysvec_kvm_posted_intr_nested_ipi", "HAVE_KVM", "NPI", S) { NameConfig = kvmNames };
        yield return new(0xef, "MANAGED_IRQ_SHUTDOWN_VECTOR", null, null, null, SystemVectorInstall.None);
        yield return new(0xee, "HYPERV_REENLIGHTENMENT_VECTOR", "sysvec_hyperv_reenlightenment", "HYPERV", "HRE", SystemVectorInstall.Runtime) { NameConfig = "HYPERV" };
        yield return new(0xed, "HYPERV_STIMER0_VECTOR", "sysvec_hyperv_stimer0", "HYPERV", "HVS", SystemVectorInstall.Runtime) { NameConfig = "HYPERV" };
        yield return new(0xec, "LOCAL_TIMER_VECTOR", "sysvec_apic_timer_interrupt", "X86_LOCAL_APIC", "LOC", S);
    }

    private static readonly SystemVectorInfo s_unused0xf5 = new(0xf5, null, null, null, null, SystemVectorInstall.None);

    private static readonly SystemVectorInfo s_perfGuestMediatedPmi =
        new(0xf5, "PERF_GUEST_MEDIATED_PMI_VECTOR", "sysvec_perf_guest_mediated_pmi_handler", "GUEST_PERF_EVENTS", "VPMI", SystemVectorInstall.Static);

    private static readonly SystemVectorInfo s_postedMsiNotification =
        new(0xeb, "POSTED_MSI_NOTIFICATION_VECTOR", "sysvec_posted_msi_notification", "X86_POSTED_MSI", "PMN", SystemVectorInstall.Static);

    /// <summary>IRQ_MOVE_CLEANUP_VECTOR (6.1-6.5): below FIRST_SYSTEM_VECTOR, reserved in system_vectors, guarded by SMP.</summary>
    public static SystemVectorInfo MoveCleanup { get; } =
        new(0x20, "IRQ_MOVE_CLEANUP_VECTOR", "sysvec_irq_move_cleanup", "SMP", null, SystemVectorInstall.Static);

    /// <summary>The entries at or above FIRST_SYSTEM_VECTOR of <paramref name="version"/>, highest vector first.</summary>
    public static ImmutableArray<SystemVectorInfo> SystemVectors(KernelVersion version)
    {
        var list = Common(version).ToList();
        list.Add(version == KernelVersion.Latest ? s_perfGuestMediatedPmi : s_unused0xf5);
        if (version >= KernelVersion.V6_10)
        {
            list.Add(s_postedMsiNotification);
        }

        return [.. list.OrderByDescending(v => v.Vector)];
    }

    /// <summary>True for versions that still have IRQ_MOVE_CLEANUP_VECTOR (removed in 6.6 by commit bdc1dad299bb).</summary>
    public static bool HasMoveCleanupVector(KernelVersion version) => version < KernelVersion.V6_6;
}
