namespace IrqLab.Scenarios;

/// <summary>The named local-APIC registers of <c>reg:</c> (SCENARIOS.md §7), valid in xAPIC and x2APIC mode except where noted.</summary>
public static class ApicRegisterNames
{
    /// <summary>Every accepted name, in the contract's order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        "apic.id", "apic.version", "apic.tpr", "apic.apr", "apic.ppr", "apic.eoi", "apic.ldr", "apic.dfr", "apic.svr",
        "apic.isr", "apic.tmr", "apic.irr", "apic.esr", "apic.icr",
        "apic.lvt.cmci", "apic.lvt.timer", "apic.lvt.thermal", "apic.lvt.pmc", "apic.lvt.lint0", "apic.lvt.lint1", "apic.lvt.error",
        "apic.timer.initial", "apic.timer.current", "apic.timer.divide", "apic.self_ipi",
    ];

    /// <summary>True for the 256-bit registers that read as a list of set vectors (<c>apic.isr</c>, <c>.tmr</c>, <c>.irr</c>).</summary>
    public static bool ReadsAsList(string name) => name is "apic.isr" or "apic.tmr" or "apic.irr";

    /// <summary>True for the 64-bit register (<c>apic.icr</c>: high dword &lt;&lt; 32 | low dword).</summary>
    public static bool Is64Bit(string name) => name == "apic.icr";

    /// <summary>True for registers that exist only in x2APIC mode (SELF IPI, MSR 0x83F; SDM §11.12.11).</summary>
    public static bool IsX2ApicOnly(string name) => name == "apic.self_ipi";
}
