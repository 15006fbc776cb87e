namespace IrqLab.Scenarios.Model;

/// <summary>Kconfig options the model knows, with their defaults (SCENARIOS.md §3: listed ones true, the rest false).</summary>
public static class KconfigDefaults
{
    /// <summary>Options that default to true.</summary>
    public static IReadOnlyList<string> DefaultOn { get; } =
    [
        "SMP", "X86_LOCAL_APIC", "X86_THERMAL_VECTOR", "X86_MCE_THRESHOLD", "X86_MCE_AMD",
        "HAVE_KVM", "IRQ_WORK", "X86_POSTED_MSI", "IA32_EMULATION",
    ];

    /// <summary>Options the model adds, default false.</summary>
    public static IReadOnlyList<string> DefaultOff { get; } =
    [
        "HYPERV", "ACRN_GUEST", "XEN_PVHVM", "KVM_GUEST", "GUEST_PERF_EVENTS", "X86_MCE",

        // The guards of the exception handlers Linux installs only with them (ExceptionTable.LinuxConfig): #VE, #CP, #VC;
        // #CP's guard in 6.1 is X86_KERNEL_IBT, which selects X86_CET from 6.6 on.
        "INTEL_TDX_GUEST", "X86_CET", "X86_KERNEL_IBT", "AMD_MEM_ENCRYPT",
    ];

    /// <summary>All known option names.</summary>
    public static IEnumerable<string> All => DefaultOn.Concat(DefaultOff);

    /// <summary>A fresh map of every known option to its default.</summary>
    public static Dictionary<string, bool> Create()
    {
        var map = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var o in DefaultOn)
        {
            map[o] = true;
        }

        foreach (var o in DefaultOff)
        {
            map[o] = false;
        }

        return map;
    }
}
