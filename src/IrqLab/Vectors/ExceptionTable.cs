using System.Collections.Immutable;

namespace IrqLab.Vectors;

/// <summary>
/// Exceptions 0-31 as data (Intel SDM Vol. 3A Table 6-1, Table 6-4; Linux <c>arch/x86/include/asm/trapnr.h</c> constants
/// and the <c>def_idts[]</c> table in <c>arch/x86/kernel/idt.c</c>).
/// </summary>
public static class ExceptionTable
{
    private const int ControlProtection = 21;

    private static ExceptionInfo R(int v) =>
        new(v, string.Empty, "Reserved", ExceptionClass.Reserved, false, DoubleFaultClass.Benign, null, null, null);

    /// <summary>All 32 rows, indexed by vector.</summary>
    public static ImmutableArray<ExceptionInfo> All { get; } =
    [
        new(0, "#DE", "Divide error", ExceptionClass.Fault, false, DoubleFaultClass.Contributory, "exc_divide_error", null, "X86_TRAP_DE"),
        new(1, "#DB", "Debug", ExceptionClass.FaultOrTrap, false, DoubleFaultClass.Benign, "exc_debug", null, "X86_TRAP_DB"),
        new(2, "NMI", "Non-maskable interrupt", ExceptionClass.Interrupt, false, DoubleFaultClass.Benign, "exc_nmi", null, "X86_TRAP_NMI"),
        new(3, "#BP", "Breakpoint", ExceptionClass.Trap, false, DoubleFaultClass.Benign, "exc_int3", null, "X86_TRAP_BP"),
        new(4, "#OF", "Overflow", ExceptionClass.Trap, false, DoubleFaultClass.Benign, "exc_overflow", null, "X86_TRAP_OF"),
        new(5, "#BR", "BOUND range exceeded", ExceptionClass.Fault, false, DoubleFaultClass.Benign, "exc_bounds", null, "X86_TRAP_BR"),
        new(6, "#UD", "Invalid opcode", ExceptionClass.Fault, false, DoubleFaultClass.Benign, "exc_invalid_op", null, "X86_TRAP_UD"),
        new(7, "#NM", "Device not available", ExceptionClass.Fault, false, DoubleFaultClass.Benign, "exc_device_not_available", null, "X86_TRAP_NM"),
        new(8, "#DF", "Double fault", ExceptionClass.Abort, true, DoubleFaultClass.DoubleFault, "exc_double_fault", null, "X86_TRAP_DF"),
        new(9, "", "Coprocessor segment overrun", ExceptionClass.Abort, false, DoubleFaultClass.Benign, "exc_coproc_segment_overrun", null, "X86_TRAP_OLD_MF"),
        new(10, "#TS", "Invalid TSS", ExceptionClass.Fault, true, DoubleFaultClass.Contributory, "exc_invalid_tss", null, "X86_TRAP_TS"),
        new(11, "#NP", "Segment not present", ExceptionClass.Fault, true, DoubleFaultClass.Contributory, "exc_segment_not_present", null, "X86_TRAP_NP"),
        new(12, "#SS", "Stack-segment fault", ExceptionClass.Fault, true, DoubleFaultClass.Contributory, "exc_stack_segment", null, "X86_TRAP_SS"),
        new(13, "#GP", "General protection", ExceptionClass.Fault, true, DoubleFaultClass.Contributory, "exc_general_protection", null, "X86_TRAP_GP"),
        new(14, "#PF", "Page fault", ExceptionClass.Fault, true, DoubleFaultClass.PageFault, "exc_page_fault", null, "X86_TRAP_PF"),
        new(15, "", "Spurious interrupt (reserved)", ExceptionClass.Reserved, false, DoubleFaultClass.Benign, "exc_spurious_interrupt_bug", null, "X86_TRAP_SPURIOUS"),
        new(16, "#MF", "x87 FPU floating-point error", ExceptionClass.Fault, false, DoubleFaultClass.Benign, "exc_coprocessor_error", null, "X86_TRAP_MF"),
        new(17, "#AC", "Alignment check", ExceptionClass.Fault, true, DoubleFaultClass.Benign, "exc_alignment_check", null, "X86_TRAP_AC"),
        new(18, "#MC", "Machine check", ExceptionClass.Abort, false, DoubleFaultClass.Benign, "exc_machine_check", "X86_MCE", "X86_TRAP_MC"),
        new(19, "#XM", "SIMD floating-point exception", ExceptionClass.Fault, false, DoubleFaultClass.Benign, "exc_simd_coprocessor_error", null, "X86_TRAP_XF"),
        new(20, "#VE", "Virtualization exception", ExceptionClass.Fault, false, DoubleFaultClass.PageFault, "exc_virtualization_exception", "INTEL_TDX_GUEST", "X86_TRAP_VE"),
        new(21, "#CP", "Control protection", ExceptionClass.Fault, true, DoubleFaultClass.Contributory, "exc_control_protection", "X86_CET", "X86_TRAP_CP"),
        R(22), R(23), R(24), R(25), R(26), R(27),
        new(28, "#HV", "Hypervisor injection (AMD)", ExceptionClass.Reserved, false, DoubleFaultClass.Benign, null, null, null),
        new(29, "#VC", "VMM communication (AMD)", ExceptionClass.Fault, true, DoubleFaultClass.Benign, "exc_vmm_communication", "AMD_MEM_ENCRYPT", "X86_TRAP_VC"),
        new(30, "#SX", "Security exception (AMD)", ExceptionClass.Reserved, true, DoubleFaultClass.Benign, null, null, null),
        R(31),
    ];

    /// <summary>
    /// The Kconfig option that guards the Linux handler of exception <paramref name="vector"/> in <paramref name="version"/>,
    /// or null: the row's <see cref="ExceptionInfo.LinuxConfig"/>, except #CP (21), whose <c>def_idts[]</c> gate
    /// (arch/x86/kernel/idt.c) is under <c>CONFIG_X86_KERNEL_IBT</c> in 6.1; the user shadow-stack series of 6.6
    /// ("x86/cet: Add user control-protection fault handler") moved it under <c>CONFIG_X86_CET</c>, which
    /// <c>X86_KERNEL_IBT</c> selects from then on.
    /// </summary>
    public static string? LinuxConfig(int vector, KernelVersion version) =>
        vector == ControlProtection && version < KernelVersion.V6_6 ? "X86_KERNEL_IBT" : Get(vector).LinuxConfig;

    /// <summary>The row whose <c>trapnr.h</c> constant is <paramref name="trapName"/> (<c>X86_TRAP_PF</c>), or null.</summary>
    public static ExceptionInfo? FindByTrapName(string trapName)
    {
        foreach (var info in All)
        {
            if (info.TrapName == trapName)
            {
                return info;
            }
        }

        return null;
    }

    /// <summary>The row for <paramref name="vector"/> (0..31).</summary>
    public static ExceptionInfo Get(int vector)
    {
        if ((uint)vector >= 32)
        {
            throw new ArgumentOutOfRangeException(nameof(vector), vector, "exception vectors are 0..31");
        }

        return All[vector];
    }
}
