namespace IrqLab.Virtualization;

/// <summary>
/// Basic VM-exit reasons (bits 15:0 of the exit-reason field, VMCS 0x4402; SDM Vol. 3C Appendix C) and the names the
/// kernel gives them: <c>EXIT_REASON_*</c> in <c>arch/x86/include/uapi/asm/vmx.h</c>, printed without the prefix by the
/// <c>VMX_EXIT_REASONS</c> table (kvm_exit tracepoint).
/// </summary>
public static class VmExitReasons
{
    /// <summary>0: exception (exception-bitmap hit) or NMI (NMI exiting) — <c>EXCEPTION_NMI</c>.</summary>
    public const int ExceptionNmi = 0;

    /// <summary>1: external interrupt with external-interrupt exiting — <c>EXTERNAL_INTERRUPT</c>.</summary>
    public const int ExternalInterrupt = 1;

    /// <summary>2: triple fault in the guest — <c>TRIPLE_FAULT</c>.</summary>
    public const int TripleFault = 2;

    /// <summary>3: INIT signal — <c>INIT_SIGNAL</c>.</summary>
    public const int InitSignal = 3;

    /// <summary>4: SIPI in wait-for-SIPI — <c>SIPI_SIGNAL</c>.</summary>
    public const int Sipi = 4;

    /// <summary>7: interrupt window — <c>INTERRUPT_WINDOW</c> (<c>PENDING_INTERRUPT</c> before Linux 5.6).</summary>
    public const int InterruptWindow = 7;

    /// <summary>8: NMI window — <c>NMI_WINDOW</c>.</summary>
    public const int NmiWindow = 8;

    /// <summary>9: task switch — <c>TASK_SWITCH</c>.</summary>
    public const int TaskSwitch = 9;

    /// <summary>12: HLT — <c>HLT</c>.</summary>
    public const int Hlt = 12;

    /// <summary>33: VM-entry failure due to invalid guest state (with bit 31 set) — <c>INVALID_STATE</c>.</summary>
    public const int InvalidState = 33;

    /// <summary>34: VM-entry failure due to MSR loading (with bit 31 set) — <c>MSR_LOAD_FAIL</c>.</summary>
    public const int MsrLoadFail = 34;

    /// <summary>37: monitor trap flag — <c>MONITOR_TRAP_FLAG</c>.</summary>
    public const int MonitorTrapFlag = 37;

    /// <summary>41: VM-entry failure due to a machine-check event (with bit 31 set) — <c>MCE_DURING_VMENTRY</c>.</summary>
    public const int McheckDuringVmentry = 41;

    /// <summary>43: TPR below threshold — <c>TPR_BELOW_THRESHOLD</c>.</summary>
    public const int TprBelowThreshold = 43;

    /// <summary>44: APIC access — <c>APIC_ACCESS</c>.</summary>
    public const int ApicAccess = 44;

    /// <summary>45: virtualized EOI with the EOI-exit bitmap bit set — <c>EOI_INDUCED</c>.</summary>
    public const int EoiInduced = 45;

    /// <summary>52: VMX-preemption timer expired — <c>PREEMPTION_TIMER</c>.</summary>
    public const int PreemptionTimer = 52;

    /// <summary>56: APIC write (trap-like) — <c>APIC_WRITE</c>.</summary>
    public const int ApicWrite = 56;

    /// <summary>Bit 31 of the exit-reason field: VM-entry failure (<c>VMX_EXIT_REASONS_FAILED_VMENTRY</c>).</summary>
    public const uint FailedVmEntry = 0x80000000;

    /// <summary>
    /// The kernel's name for a basic exit reason (only bits 15:0 of <paramref name="reason"/> are used), exactly as
    /// <c>VMX_EXIT_REASONS</c> in <c>arch/x86/include/uapi/asm/vmx.h</c> spells it; a reason the kernel does not name
    /// prints as hex (<c>0x..</c>), as <c>__print_symbolic</c> does.
    /// </summary>
    public static string Name(int reason) => (reason & 0xFFFF) switch
    {
        0 => "EXCEPTION_NMI",
        1 => "EXTERNAL_INTERRUPT",
        2 => "TRIPLE_FAULT",
        3 => "INIT_SIGNAL",
        4 => "SIPI_SIGNAL",
        7 => "INTERRUPT_WINDOW",
        8 => "NMI_WINDOW",
        9 => "TASK_SWITCH",
        10 => "CPUID",
        12 => "HLT",
        13 => "INVD",
        14 => "INVLPG",
        15 => "RDPMC",
        16 => "RDTSC",
        18 => "VMCALL",
        19 => "VMCLEAR",
        20 => "VMLAUNCH",
        21 => "VMPTRLD",
        22 => "VMPTRST",
        23 => "VMREAD",
        24 => "VMRESUME",
        25 => "VMWRITE",
        26 => "VMOFF",
        27 => "VMON",
        28 => "CR_ACCESS",
        29 => "DR_ACCESS",
        30 => "IO_INSTRUCTION",
        31 => "MSR_READ",
        32 => "MSR_WRITE",
        33 => "INVALID_STATE",
        34 => "MSR_LOAD_FAIL",
        36 => "MWAIT_INSTRUCTION",
        37 => "MONITOR_TRAP_FLAG",
        39 => "MONITOR_INSTRUCTION",
        40 => "PAUSE_INSTRUCTION",
        41 => "MCE_DURING_VMENTRY",
        43 => "TPR_BELOW_THRESHOLD",
        44 => "APIC_ACCESS",
        45 => "EOI_INDUCED",
        46 => "GDTR_IDTR",
        47 => "LDTR_TR",
        48 => "EPT_VIOLATION",
        49 => "EPT_MISCONFIG",
        50 => "INVEPT",
        51 => "RDTSCP",
        52 => "PREEMPTION_TIMER",
        53 => "INVVPID",
        54 => "WBINVD",
        55 => "XSETBV",
        56 => "APIC_WRITE",
        57 => "RDRAND",
        58 => "INVPCID",
        59 => "VMFUNC",
        60 => "ENCLS",
        61 => "RDSEED",
        62 => "PML_FULL",
        63 => "XSAVES",
        64 => "XRSTORS",
        67 => "UMWAIT",
        68 => "TPAUSE",
        74 => "BUS_LOCK",
        75 => "NOTIFY",
        77 => "TDCALL",
        84 => "MSR_READ_IMM",
        85 => "MSR_WRITE_IMM",
        var other => "0x" + other.ToString("x", System.Globalization.CultureInfo.InvariantCulture),
    };
}
