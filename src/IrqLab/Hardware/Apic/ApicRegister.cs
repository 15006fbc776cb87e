namespace IrqLab.Hardware.Apic;

/// <summary>Local APIC registers by name (SDM Table 11-1 and Table 11-6).</summary>
public enum ApicRegister
{
    /// <summary>Local APIC ID (MMIO 0x020, MSR 0x802).</summary>
    Id,

    /// <summary>Version (0x030, 0x803), read-only.</summary>
    Version,

    /// <summary>Task priority (0x080, 0x808).</summary>
    Tpr,

    /// <summary>Arbitration priority (0x090), xAPIC only, read-only.</summary>
    Apr,

    /// <summary>Processor priority (0x0A0, 0x80A), read-only.</summary>
    Ppr,

    /// <summary>End of interrupt (0x0B0, 0x80B), write-only.</summary>
    Eoi,

    /// <summary>Logical destination (0x0D0, 0x80D; read-only in x2APIC).</summary>
    Ldr,

    /// <summary>Destination format (0x0E0), xAPIC only.</summary>
    Dfr,

    /// <summary>Spurious-interrupt vector (0x0F0, 0x80F).</summary>
    Svr,

    /// <summary>In-service register, first word (0x100, 0x810), read-only.</summary>
    Isr,

    /// <summary>Trigger mode register, first word (0x180, 0x818), read-only.</summary>
    Tmr,

    /// <summary>Interrupt request register, first word (0x200, 0x820), read-only.</summary>
    Irr,

    /// <summary>Error status (0x280, 0x828).</summary>
    Esr,

    /// <summary>Interrupt command (0x300 + 0x310, MSR 0x830 as 64 bits: high &lt;&lt; 32 | low).</summary>
    Icr,

    /// <summary>LVT corrected machine-check interrupt (0x2F0, 0x82F).</summary>
    LvtCmci,

    /// <summary>LVT timer (0x320, 0x832).</summary>
    LvtTimer,

    /// <summary>LVT thermal sensor (0x330, 0x833).</summary>
    LvtThermal,

    /// <summary>LVT performance-monitoring counters (0x340, 0x834).</summary>
    LvtPmc,

    /// <summary>LVT LINT0 (0x350, 0x835).</summary>
    LvtLint0,

    /// <summary>LVT LINT1 (0x360, 0x836).</summary>
    LvtLint1,

    /// <summary>LVT error (0x370, 0x837).</summary>
    LvtError,

    /// <summary>Timer initial count (0x380, 0x838).</summary>
    TimerInitial,

    /// <summary>Timer current count (0x390, 0x839), read-only.</summary>
    TimerCurrent,

    /// <summary>Timer divide configuration (0x3E0, 0x83E).</summary>
    TimerDivide,

    /// <summary>SELF IPI (MSR 0x83F), x2APIC only, write-only.</summary>
    SelfIpi,
}
