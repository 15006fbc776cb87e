namespace IrqLab.Delivery;

/// <summary>The priority classes of SDM Vol. 3A Table 6-2, highest (1) first.</summary>
public enum EventPriorityClass
{
    /// <summary>1: hardware reset and machine checks.</summary>
    ResetOrMachineCheck = 1,

    /// <summary>2: trap on task switch (TSS T flag).</summary>
    TaskSwitchTrap = 2,

    /// <summary>3: external hardware interventions (FLUSH, STOPCLK, SMI, INIT).</summary>
    ExternalIntervention = 3,

    /// <summary>4: traps on the previous instruction (breakpoints, debug traps).</summary>
    PreviousInstructionTrap = 4,

    /// <summary>5: nonmaskable interrupts.</summary>
    Nmi = 5,

    /// <summary>6: maskable hardware interrupts.</summary>
    MaskableInterrupt = 6,

    /// <summary>7: code-breakpoint fault.</summary>
    CodeBreakpointFault = 7,

    /// <summary>8: faults from fetching the next instruction.</summary>
    FetchFault = 8,

    /// <summary>9: faults from decoding the next instruction (#UD, #NM, length &gt; 15 #GP).</summary>
    DecodeFault = 9,

    /// <summary>10: faults from executing an instruction (and the instruction's own INT n / INT3 / INTO / INT1 / SYSCALL).</summary>
    ExecuteFault = 10,
}
