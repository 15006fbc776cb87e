using IrqLab.Delivery;
using IrqLab.Scenarios.Model;
using IrqLab.Virtualization;

namespace IrqLab.Simulation;

/// <summary>One vCPU of a VM, pinned to a host CPU: its VMX state (controls, posted-interrupt descriptor, virtual APIC, pending injection) and its guest interrupt state.</summary>
internal sealed class Vcpu
{
    private readonly uint _exceptionBitmap;

    public Vcpu(VmSpec vm, int index, CpuContext host, HandlerSpec?[] handlers)
    {
        GuestIdt = new IdtDelivery(BareIdt.Build(vm.Handlers.Select(h => h.Vector)));
        foreach (var e in vm.ExceptionBitmap)
        {
            _exceptionBitmap |= 1u << e;
        }

        Vm = vm;
        Index = index;
        Host = host;
        Handlers = handlers;
        Controls = new VmxControls
        {
            ExternalInterruptExiting = true,
            NmiExiting = true,
            VirtualNmis = vm.VirtualNmis,
            // Written as asked: posted interrupts without virtual-interrupt delivery fail VM entry (SDM 26.2.1.1). They
            // were silently turned off, while the same request without ack-on-exit failed entry.
            ProcessPostedInterrupts = vm.PostedInterrupts,
            AcknowledgeInterruptOnExit = vm.AckInterruptOnExit,
            VirtualInterruptDelivery = vm.Apicv,
        };
    }

    public VmSpec Vm { get; }

    /// <summary>True when <paramref name="vector"/> is in the VM's exception bitmap.</summary>
    public bool Intercepts(int vector) => (_exceptionBitmap & (1u << vector)) != 0;

    public string Name => Vm.Name;

    public int Index { get; }

    public CpuContext Host { get; }

    public HandlerSpec?[] Handlers { get; }

    /// <summary>The guest's own IDT: present interrupt gates for its listed handlers, not-present elsewhere.</summary>
    public IdtDelivery GuestIdt { get; }

    public VmxControls Controls { get; }

    public VirtualApic Vapic { get; } = new();

    public PostedInterruptDescriptor Pid { get; } = new() { Sn = true };

    public IdtVectoringInfo Vectoring { get; } = new();

    /// <summary>Guest RFLAGS.IF, STI shadow and (virtual) NMI blocking.</summary>
    public CpuInterruptState Guest { get; } = new() { If = true };

    /// <summary>In VMX non-root operation now.</summary>
    public bool InGuest;

    /// <summary>KVM's run loop re-enters the guest once the host has handled an exit (not after a blocking HLT exit).</summary>
    public bool Running;

    /// <summary>
    /// Blocked in the guest's HLT (KVM <c>kvm_vcpu_halt()</c>): an event that makes the vCPU runnable wakes it
    /// (<c>kvm_vcpu_wake_up()</c>, then <c>kvm_vcpu_check_block()</c>) and KVM's run loop re-enters it.
    /// </summary>
    public bool Blocked;

    /// <summary>
    /// An <c>exit</c> step (a guest HLT) came while KVM was handling an exit in host mode: the guest halts once the run
    /// loop re-enters it.
    /// </summary>
    public bool HaltOnReentry;

    /// <summary>
    /// The <c>enter</c> and <c>exit</c> steps (alternately, an enter first) that came after that <c>exit</c> step while KVM
    /// was still handling the exit: once the guest's HLT exit is taken at the re-entry, the run loop enters the vCPU
    /// again, the guest halts again, and so on, as the steps would have done without the host handler in between.
    /// </summary>
    public int StepsAfterHalt;

    /// <summary>Event queued for injection at the next VM entry.</summary>
    public InterruptionInfo Injection;

    public uint InjectionErrorCode;

    /// <summary>An NMI for the guest waits for the NMI window.</summary>
    public bool GuestNmiPending;

    /// <summary>Interrupt-window exiting requested: an emulated interrupt waits for guest IF=1.</summary>
    public bool InterruptWindow;

    /// <summary>NMI-window exiting requested.</summary>
    public bool NmiWindow;

    /// <summary>
    /// A virtual NMI queued while the vCPU was out of guest mode (KVM's <c>nmi_pending</c>): the next entry injects it,
    /// unless that entry already injects an event (a written injection, or IDT-vectoring re-injection), which KVM injects
    /// first (<c>kvm_check_and_inject_events</c>: <c>can_inject</c> is false while an event needs injection) while it asks
    /// for an NMI window for the NMI.
    /// </summary>
    public bool NmiAtEntry;

    /// <summary>
    /// A second virtual NMI kept behind <see cref="NmiAtEntry"/>: KVM's <c>process_nmi()</c> (arch/x86/kvm/x86.c) lets
    /// two NMIs be pending while the guest does not block NMIs and no NMI injection is in flight; it injects one and asks
    /// for an NMI window for the other, which the guest takes after the first handler's IRET.
    /// </summary>
    public bool NmiQueuedBehind;

    /// <summary>
    /// Without virtual NMIs: an NMI waits for the interrupt window (KVM's soft NMI blocking, which ends once the guest can
    /// take interrupts) and is injected at that INTERRUPT_WINDOW exit.
    /// </summary>
    public bool NmiAtInterruptWindow;

    /// <summary>
    /// Without virtual NMIs, an NMI delivered to the guest (always an injected one: NMI exiting is on) sets blocking by
    /// NMI, which blocks the host's physical NMIs "as long as the logical processor is in VMX non-root operation" (SDM
    /// Vol. 3C 26.6.1 with the "NMI exiting" control 1; 26.3: with NMI exiting, the guest's IRET does not affect blocking
    /// of NMIs). A host NMI then waits for the next VM exit. Cleared when the vCPU leaves guest mode.
    /// </summary>
    public bool HostNmisBlocked;

    /// <summary>
    /// KVM's software NMI blocking without virtual NMIs (<c>loaded_vmcs-&gt;soft_vnmi_blocked</c>, arch/x86/kvm/vmx/vmx.c):
    /// set when an NMI is injected (<c>vmx_inject_nmi</c>), cleared by the first VM exit at which the guest can take
    /// interrupts (<c>__vmx_handle_exit</c>: <c>!vmx_interrupt_blocked()</c>), not by the guest's IRET, which KVM does not
    /// see. While set, a queued virtual NMI waits for the interrupt window (<c>vmx_enable_nmi_window</c>).
    /// </summary>
    public bool SoftNmiBlocked;

    /// <summary>
    /// The guest's ICR high (xAPIC offset 310H: the destination in bits 31:24), which an xAPIC MMIO write of ICR low
    /// sends with (SDM Vol. 3A §11.6.1); on the virtual-APIC page VICR_HI (SDM Vol. 3C 30.4.3.2 clears its bytes 2:0).
    /// </summary>
    public uint IcrHigh;

    /// <summary>
    /// The guest's xAPIC logical destination register (offset 0D0H; bits 31:24, the rest reads 0), 0 at reset (SDM Vol.
    /// 3A §11.6.2.2), as the guest writes it (KVM's <c>kvm_lapic_reg_write()</c>: <c>val &amp; APIC_LDR_MASK</c>). In
    /// x2APIC mode the LDR is read-only and derived from the APIC ID (the vCPU index).
    /// </summary>
    public uint Ldr;

    /// <summary>
    /// The guest's xAPIC destination format register (offset 0E0H): bits 31:28 the model (1111B flat, 0000B cluster),
    /// bits 27:0 read as 1; all ones at reset (§11.6.2.2; KVM: <c>val | 0x0FFFFFFF</c>). x2APIC mode has none.
    /// </summary>
    public uint Dfr = 0xFFFF_FFFF;
}
