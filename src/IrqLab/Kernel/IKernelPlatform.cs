namespace IrqLab.Kernel;

/// <summary>
/// Everything the Linux model needs from the machine. The Kernel layer never touches hardware classes; the
/// simulation implements this interface on top of the local APICs, IO-APICs, 8259 pair and MSI devices.
/// </summary>
public interface IKernelPlatform
{
    /// <summary>Current simulated time in nanoseconds (drives jiffies at HZ=1000 and printk rate limits).</summary>
    long NowNs { get; }

    /// <summary><c>apic_eoi()</c> on <paramref name="cpu"/>'s local APIC.</summary>
    void ApicEoi(int cpu);

    /// <summary>
    /// <c>apic_read(reg)</c> on <paramref name="cpu"/>'s local APIC: <paramref name="reg"/> is an xAPIC register offset
    /// (<see cref="ApicDef"/>); in x2APIC mode the kernel reads MSR 0x800 + <paramref name="reg"/> / 16 instead.
    /// </summary>
    uint ApicRead(int cpu, int reg);

    /// <summary><c>apic_write(reg, value)</c> on <paramref name="cpu"/>'s local APIC (offsets as in <see cref="ApicRead"/>).</summary>
    void ApicWrite(int cpu, int reg, uint value);

    /// <summary>True when <paramref name="vector"/>'s ISR bit is set (<c>handle_spurious_interrupt</c>: "Acked" / "Not pending!").</summary>
    bool ApicIsrIsSet(int cpu, int vector);

    /// <summary>True when <paramref name="vector"/>'s TMR bit is set (<c>ioapic_ack_level</c> MIS accounting).</summary>
    bool ApicTmrIsSet(int cpu, int vector);

    /// <summary>Explicit IO-APIC EOI for a pin (<c>eoi_ioapic_pin</c>, used for a misrouted level interrupt).</summary>
    void IoApicPinEoi(int ioapic, int pin, int vector);

    /// <summary>Programs an IO-APIC redirection entry (fixed delivery, physical destination = <paramref name="cpu"/>'s APIC ID).</summary>
    void ProgramIoApicPin(int ioapic, int pin, int vector, int cpu, bool level, bool activeLow, bool masked);

    /// <summary>Sets or clears the mask bit of an IO-APIC redirection entry.</summary>
    void SetIoApicPinMask(int ioapic, int pin, bool masked);

    /// <summary>Programs the MSI / MSI-X message of a device's vector <paramref name="index"/>.</summary>
    void ProgramMsi(int device, int index, int vector, int cpu);

    /// <summary>Masks or unmasks a device's MSI / MSI-X vector.</summary>
    void SetMsiMask(int device, int index, bool masked);

    /// <summary>Sets or clears an 8259 IMR bit.</summary>
    void SetPicMask(int isaIrq, bool masked);

    /// <summary>Specific EOI to the 8259 pair for an ISA IRQ (<c>mask_and_ack_8259A</c>).</summary>
    void PicEoi(int isaIrq);

    /// <summary>
    /// Whether the 8259 has the ISA IRQ in service: its ISR bit on the master (IRQ 0-7) or slave (8-15), as
    /// <c>i8259A_irq_real()</c> reads it through OCW3 (a look, no other effect).
    /// </summary>
    bool PicInService(int isaIrq);

    /// <summary>
    /// <c>elcr_set_level_irq()</c> (arch/x86/pci/irq.c): sets the irq's bit in the 8259 edge/level control register
    /// (port 0x4D0 for IRQ 0-7, 0x4D1 for 8-15), so the 8259 senses the line by level.
    /// </summary>
    void SetPicLevelTriggered(int isaIrq);

    /// <summary>
    /// The driver of an action whose <c>returns</c> is <c>handled</c> or <c>wake_thread</c> reads its device's interrupt
    /// status and, if the device has an interrupt, acknowledges it (the device deasserts its line). Returns whether it had
    /// one: a device on a level-triggered line has one while it asserts the line, so the driver of a device that did not
    /// raise the interrupt of a shared line (or whose request was withdrawn) finds nothing and returns IRQ_NONE, as
    /// drivers do; an edge-triggered or message-signalled device always has one (it keeps no status to read after the
    /// edge or message).
    /// </summary>
    /// <param name="device">The device index of the action.</param>
    /// <returns>Whether the device had an interrupt (the action then returns its <c>returns</c>, else IRQ_NONE).</returns>
    bool DeviceAcknowledge(int device);

    /// <summary>Sends a fixed IPI with <paramref name="vector"/> to <paramref name="cpu"/> (<c>apic_retrigger_irq</c>).</summary>
    void SendIpi(int cpu, int vector);

    /// <summary>
    /// The end of <c>stop_this_cpu()</c>: <paramref name="cpu"/> halts with interrupts disabled for good
    /// (<c>for (;;) native_halt()</c>), so the handler running now never returns; NMIs are still taken and return to
    /// the halt loop.
    /// </summary>
    void HaltForever(int cpu);

    /// <summary>
    /// <paramref name="cpu"/> busy-waits for good with interrupts disabled, so the handler running now never returns:
    /// newest <c>handle_edge_irq()</c> (kernel/irq/chip.c, <c>irq_can_handle_pm()</c> → <c>irq_wait_on_inprogress()</c>)
    /// on a nested edge of an irq whose handler this same CPU is running. NMIs are still taken and return to the loop.
    /// A platform that does not tell the two apart halts the CPU (<see cref="HaltForever"/>): both leave it running
    /// nothing else.
    /// </summary>
    /// <param name="cpu">The CPU.</param>
    void SpinForever(int cpu) => HaltForever(cpu);

    /// <summary>
    /// <c>kvm_posted_intr_wakeup_handler()</c>, which <c>sysvec_kvm_posted_intr_wakeup_ipi</c> calls after its EOI and
    /// PIW count (arch/x86/kernel/irq.c): KVM's <c>pi_wakeup_handler()</c> wakes each vCPU blocked on
    /// <paramref name="cpu"/> whose posted-interrupt descriptor has ON set (arch/x86/kvm/vmx/posted_intr.c). A platform
    /// without vCPUs does nothing (the kernel's pointer is then the dummy handler).
    /// </summary>
    void PostedInterruptWakeup(int cpu)
    {
    }

    /// <summary>
    /// <c>x86_platform.get_nmi_reason()</c>: <c>default_get_nmi_reason()</c> reads <c>NMI_REASON_PORT</c>, I/O port 0x61
    /// (<see cref="Hardware.NmiStatusControl"/>). A platform without that chipset register reads 0: no SERR# or IOCHK#
    /// source, so an NMI no handler claims is an unknown one.
    /// </summary>
    byte GetNmiReason() => 0;

    /// <summary>One kernel log line, without the trailing newline.</summary>
    void Log(int cpu, KernelLogLevel level, string text);

    /// <summary>A fault record (<c>"cfi_failure"</c>).</summary>
    void Fault(int cpu, string kind);
}
