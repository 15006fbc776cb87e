namespace IrqLab.Kernel.Proc;

/// <summary>The named (architecture) rows of x86 /proc/interrupts (<c>arch_show_interrupts</c>, <c>arch/x86/kernel/irq.c</c>).</summary>
public enum ArchRow
{
    /// <summary>NMI: Non-maskable interrupts.</summary>
    Nmi,

    /// <summary>LOC: Local timer interrupts.</summary>
    Loc,

    /// <summary>SPU: Spurious interrupts.</summary>
    Spu,

    /// <summary>PMI: Performance monitoring interrupts.</summary>
    Pmi,

    /// <summary>IWI: IRQ work interrupts.</summary>
    Iwi,

    /// <summary>RTR: APIC ICR read retries.</summary>
    Rtr,

    /// <summary>PLT: Platform interrupts.</summary>
    Plt,

    /// <summary>RES: Rescheduling interrupts.</summary>
    Res,

    /// <summary>CAL: Function call interrupts.</summary>
    Cal,

    /// <summary>TLB: TLB shootdowns.</summary>
    Tlb,

    /// <summary>TRM: Thermal event interrupts.</summary>
    Trm,

    /// <summary>THR: Threshold APIC interrupts.</summary>
    Thr,

    /// <summary>DFR: Deferred Error APIC interrupts.</summary>
    Dfr,

    /// <summary>MCE: Machine check exceptions.</summary>
    Mce,

    /// <summary>MCP: Machine check polls.</summary>
    Mcp,

    /// <summary>HYP: Hypervisor callback interrupts.</summary>
    Hyp,

    /// <summary>HRE: Hyper-V reenlightenment interrupts.</summary>
    Hre,

    /// <summary>HVS: Hyper-V stimer0 interrupts.</summary>
    Hvs,

    /// <summary>ERR: PIC/APIC error interrupts (a global counter before the table-driven version).</summary>
    Err,

    /// <summary>MIS: Misrouted IO/APIC interrupts (a global counter before the table-driven version).</summary>
    Mis,

    /// <summary>PIN: Posted-interrupt notification event.</summary>
    Pin,

    /// <summary>NPI: Nested posted-interrupt event.</summary>
    Npi,

    /// <summary>PIW: Posted-interrupt wakeup event.</summary>
    Piw,

    /// <summary>VPMI: Perf Guest Mediated PMI (newest only).</summary>
    Vpmi,

    /// <summary>PMN: Posted MSI notification event (6.10+).</summary>
    Pmn,
}
