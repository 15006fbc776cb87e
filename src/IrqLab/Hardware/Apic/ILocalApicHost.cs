namespace IrqLab.Hardware.Apic;

/// <summary>What a <see cref="LocalApic"/> needs from its machine (implemented by the simulator).</summary>
public interface ILocalApicHost
{
    /// <summary>Current simulated time in nanoseconds.</summary>
    long NowNs { get; }

    /// <summary>An ICR or SELF IPI write sends <paramref name="message"/> to the bus (shorthand filled in,
    /// <c>SourceApicId</c> = the sender's APIC ID, <c>SourceCpu</c> = its CPU number).</summary>
    void SendIpi(LocalApic source, in InterruptMessage message);

    /// <summary>IRR, ISR, TPR or PPR changed: <see cref="LocalApic.HasInterrupt"/> may have changed.</summary>
    void InterruptLineChanged(LocalApic apic);

    /// <summary>An NMI was accepted: the CPU must take it.</summary>
    void SignalNmi(LocalApic apic);

    /// <summary>An INIT was accepted: the APIC has reset and waits for SIPI.</summary>
    void SignalInit(LocalApic apic);

    /// <summary>
    /// An INIT arrives (an INIT IPI, or LINT0/LINT1 programmed INIT). Returns true when the CPU consumes it without the
    /// INIT's effects, so the APIC neither resets nor waits for SIPI and <see cref="SignalInit"/> is not called: in VMX
    /// non-root operation an INIT causes a VM exit (reason 3) and "a logical processor performs none of the operations
    /// normally associated with" it (SDM Vol. 3C 25.2). The default is false (no VMX).
    /// </summary>
    bool InterceptInit(LocalApic apic) => false;

    /// <summary>A start-up IPI was accepted in wait-for-SIPI state; the CPU starts at vector &lt;&lt; 12.</summary>
    void SignalStartup(LocalApic apic, int vector);

    /// <summary>An SMI was accepted.</summary>
    void SignalSmi(LocalApic apic);

    /// <summary>ExtINT accepted (LINT0 virtual wire): the CPU must run an INTA cycle on the 8259.</summary>
    void SignalExtInt(LocalApic apic);

    /// <summary>
    /// An ExtINT message was accepted from the bus (an IO-APIC entry or an MSI with delivery mode 111). Unlike the
    /// level-sensitive LINT0 request it is an edge: the CPU owes the 8259 an INTA cycle whatever the 8259's INT does
    /// until then, and an 8259 with no request answers it with IR7 (SDM §11.5.1, LVT delivery mode ExtINT: "A special
    /// INTA bus cycle corresponding to ExtINT, is routed to the external controller"; 8259A datasheet). The default calls
    /// <see cref="SignalExtInt"/>.
    /// </summary>
    void SignalExtIntMessage(LocalApic apic) => SignalExtInt(apic);

    /// <summary>
    /// LVT LINT0 or LINT1 stopped taking ExtINT: it was unmasked ExtINT and is now masked (an LVT write, or the software
    /// disable of SDM §11.4.7.2; the mask "inhibits reception of the interrupt", SDM §11.5.1) or programmed with another
    /// delivery mode. The level-sensitive ExtINT request the pin was presenting and the CPU has not acknowledged yet (from
    /// the 8259) is withdrawn: KVM's <c>kvm_apic_accept_pic_intr</c> takes the 8259's output only while LVT0 is unmasked
    /// ExtINT. The default does nothing.
    /// </summary>
    void LintWithdrawn(LocalApic apic, LocalInterrupt pin)
    {
    }

    /// <summary>EOI of a level-triggered (TMR) vector: broadcast it to the IOAPICs (not called when SVR bit 12
    /// suppresses the broadcast).</summary>
    void BroadcastEoi(LocalApic apic, int vector);

    /// <summary><see cref="LocalApic.NextTimerEventNs"/> may have changed: reschedule the timer event.</summary>
    void TimerChanged(LocalApic apic);
}
