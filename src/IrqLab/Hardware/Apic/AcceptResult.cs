namespace IrqLab.Hardware.Apic;

/// <summary>What a local APIC did with a message routed to it (SDM §11.6, §11.8.3).</summary>
public enum AcceptResult
{
    /// <summary>The vector was set in IRR (and TMR set to the trigger mode).</summary>
    Accepted,

    /// <summary>The vector was already pending in IRR: the request merged with it (counted in
    /// <see cref="LocalApic.CoalescedCount"/>).</summary>
    Coalesced,

    /// <summary>Vector 0-15: not accepted, ESR bit 6 (receive illegal vector) set (SDM §11.5.3).</summary>
    IllegalVector,

    /// <summary>NMI, INIT, SIPI, SMI or ExtINT: passed to the CPU through the host, bypassing IRR/ISR.</summary>
    Signaled,

    /// <summary>Dropped: APIC hardware-disabled, software-disabled (fixed), SIPI outside wait-for-SIPI, INIT
    /// level de-assert, masked or reserved delivery mode.</summary>
    Discarded,
}
