namespace IrqLab.Scenarios.Model;

/// <summary>One entry of <c>vms:</c> (SCENARIOS.md §9).</summary>
public sealed record VmSpec
{
    /// <summary>Unique VM name.</summary>
    public required string Name { get; init; }

    /// <summary>Host CPU of each vCPU, by vCPU index.</summary>
    public IReadOnlyList<int> VcpuCpus { get; init; } = [];

    /// <summary>"Acknowledge interrupt on exit" VM-exit control.</summary>
    public bool AckInterruptOnExit { get; init; } = true;

    /// <summary>How the host runs the handler of an interrupt that caused an exit.</summary>
    public ReinjectKind Reinject { get; init; } = ReinjectKind.Software;

    /// <summary>"Virtual NMIs" pin-based control.</summary>
    public bool VirtualNmis { get; init; } = true;

    /// <summary>"Process posted interrupts" pin-based control.</summary>
    public bool PostedInterrupts { get; init; } = true;

    /// <summary>APIC virtualization with virtual-interrupt delivery.</summary>
    public bool Apicv { get; init; } = true;

    /// <summary>
    /// Exception vectors that cause VM exits instead of guest delivery (the VMCS exception bitmap, SDM 24.6.3;
    /// an extension of the contract's keys). An exception raised while delivering an event to the guest exits with the
    /// event in the IDT-vectoring information, which is re-injected at the next entry.
    /// </summary>
    public IReadOnlyList<int> ExceptionBitmap { get; init; } = [];

    /// <summary>
    /// KVM wakes a vCPU blocked in HLT (an <c>exit</c> step) as soon as an event makes it runnable — a posted
    /// interrupt's wakeup notification (<c>pi_wakeup_handler</c>), a virtual NMI or an emulated interrupt
    /// (<c>kvm_vcpu_kick</c>) — and re-enters it without an <c>enter</c> step (an extension of the contract's keys;
    /// default false: the scenario's steps are the VMM, and a halted vCPU waits for the next <c>enter</c>).
    /// </summary>
    public bool WakeFromHalt { get; init; }

    /// <summary>Guest handlers, as in bare mode.</summary>
    public IReadOnlyList<HandlerSpec> Handlers { get; init; } = [];

    /// <summary>Where it is written.</summary>
    public SourceMark Mark { get; init; }
}
