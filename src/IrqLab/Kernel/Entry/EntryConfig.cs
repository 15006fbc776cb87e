using IrqLab.Vectors;

namespace IrqLab.Kernel.Entry;

/// <summary>
/// The Kconfig options the entry code depends on: <c>CONFIG_IA32_EMULATION</c> (with <c>ia32_enabled()</c>), and the
/// options guarding exception handlers in <see cref="ExceptionTable"/> (<c>X86_MCE</c>, <c>INTEL_TDX_GUEST</c>,
/// <c>X86_CET</c>, <c>AMD_MEM_ENCRYPT</c>; <c>X86_KERNEL_IBT</c> for #CP, see <see cref="ExceptionTable.LinuxConfig(int, KernelVersion)"/>).
/// </summary>
/// <param name="Ia32Emulation">CONFIG_IA32_EMULATION and ia32_enabled().</param>
/// <param name="X86Mce">CONFIG_X86_MCE.</param>
/// <param name="IntelTdxGuest">CONFIG_INTEL_TDX_GUEST.</param>
/// <param name="X86Cet">The #CP handler is built in: CONFIG_X86_CET (6.6 on, also selected by CONFIG_X86_KERNEL_IBT), CONFIG_X86_KERNEL_IBT in 6.1.</param>
/// <param name="AmdMemEncrypt">CONFIG_AMD_MEM_ENCRYPT.</param>
public readonly record struct EntryConfig(bool Ia32Emulation, bool X86Mce, bool IntelTdxGuest, bool X86Cet, bool AmdMemEncrypt)
{
    /// <summary>Every guarded exception handler built in.</summary>
    public static EntryConfig AllHandlers(bool ia32Emulation) => new(ia32Emulation, true, true, true, true);

    /// <summary>
    /// Reads the options of <paramref name="version"/> from a Kconfig predicate (option names without <c>CONFIG_</c>).
    /// The #CP gate's guard is <c>X86_KERNEL_IBT</c> in 6.1 and <c>X86_CET</c> from 6.6 on, where arch/x86/Kconfig's
    /// <c>X86_KERNEL_IBT</c> has <c>select X86_CET</c> (so either option builds the handler in).
    /// </summary>
    public static EntryConfig FromKconfig(Func<string, bool> isEnabled, KernelVersion version)
    {
        ArgumentNullException.ThrowIfNull(isEnabled);
        var controlProtection = version < KernelVersion.V6_6
            ? isEnabled("X86_KERNEL_IBT")
            : isEnabled("X86_CET") || isEnabled("X86_KERNEL_IBT");
        return new(
            isEnabled("IA32_EMULATION"),
            isEnabled("X86_MCE"),
            isEnabled("INTEL_TDX_GUEST"),
            controlProtection,
            isEnabled("AMD_MEM_ENCRYPT"));
    }

    /// <summary>True when <paramref name="option"/> (an <see cref="ExceptionInfo.LinuxConfig"/> value) is on; null means unguarded.</summary>
    public bool IsEnabled(string? option) => option switch
    {
        null => true,
        "IA32_EMULATION" => Ia32Emulation,
        "X86_MCE" => X86Mce,
        "INTEL_TDX_GUEST" => IntelTdxGuest,
        "X86_CET" or "X86_KERNEL_IBT" => X86Cet,
        "AMD_MEM_ENCRYPT" => AmdMemEncrypt,
        _ => false,
    };

    /// <summary>The Linux handler of exception <paramref name="vector"/> when built in, else null.</summary>
    public string? ExceptionHandler(int vector)
    {
        var info = ExceptionTable.Get(vector);
        return info.LinuxHandler is not null && IsEnabled(info.LinuxConfig) ? info.LinuxHandler : null;
    }
}
