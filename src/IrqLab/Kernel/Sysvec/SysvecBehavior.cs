namespace IrqLab.Kernel.Sysvec;

/// <summary>What a system-vector handler does in the model (its accounting, EOI and messages).</summary>
public enum SysvecBehavior
{
    /// <summary><c>spurious_interrupt</c> / <c>fred_handle_spurious_interrupt</c>: <c>handle_spurious_interrupt(vector)</c>.</summary>
    Spurious,

    /// <summary><c>sysvec_spurious_apic_interrupt</c>: <c>handle_spurious_interrupt(0xff)</c>.</summary>
    SpuriousApic,

    /// <summary><c>sysvec_error_interrupt</c>: EOI, ERR++.</summary>
    Error,

    /// <summary><c>sysvec_reschedule_ipi</c>: EOI, RES++.</summary>
    Reschedule,

    /// <summary><c>sysvec_call_function</c> / <c>sysvec_call_function_single</c>: EOI, CAL++.</summary>
    CallFunction,

    /// <summary><c>sysvec_thermal</c>: TRM++, default handler message, EOI.</summary>
    Thermal,

    /// <summary><c>sysvec_threshold</c>: THR++, default handler message, EOI.</summary>
    Threshold,

    /// <summary><c>sysvec_deferred_error</c>: DFR++, default handler message, EOI.</summary>
    DeferredError,

    /// <summary><c>sysvec_reboot</c>: EOI, then <c>stop_this_cpu()</c> (local APIC software-disabled, halted for good).</summary>
    Reboot,

    /// <summary><c>sysvec_x86_platform_ipi</c>: EOI, PLT++.</summary>
    PlatformIpi,

    /// <summary><c>sysvec_irq_work</c>: EOI, IWI++.</summary>
    IrqWork,

    /// <summary>HYPERVISOR_CALLBACK_VECTOR handlers: HYP++, EOI.</summary>
    HypervisorCallback,

    /// <summary><c>sysvec_kvm_posted_intr_ipi</c>: EOI, PIN++.</summary>
    PostedIntr,

    /// <summary><c>sysvec_kvm_posted_intr_wakeup_ipi</c>: EOI, PIW++, then KVM's wakeup handler (<c>pi_wakeup_handler</c>).</summary>
    PostedIntrWakeup,

    /// <summary><c>sysvec_kvm_posted_intr_nested_ipi</c>: EOI, NPI++.</summary>
    PostedIntrNested,

    /// <summary><c>sysvec_hyperv_reenlightenment</c>: EOI, HRE++.</summary>
    HypervReenlightenment,

    /// <summary><c>sysvec_hyperv_stimer0</c>: HVS++, EOI.</summary>
    HypervStimer0,

    /// <summary><c>sysvec_apic_timer_interrupt</c>: EOI, LOC++.</summary>
    ApicTimer,

    /// <summary><c>sysvec_posted_msi_notification</c> (simplified): PMN++, EOI.</summary>
    PostedMsiNotification,

    /// <summary><c>sysvec_perf_guest_mediated_pmi_handler</c>: EOI, VPMI++.</summary>
    PerfGuestMediatedPmi,

    /// <summary><c>sysvec_irq_move_cleanup</c> (6.1): EOI.</summary>
    MoveCleanup,

    /// <summary>A handler installed at run time that the model does not know: EOI only.</summary>
    Custom,
}
