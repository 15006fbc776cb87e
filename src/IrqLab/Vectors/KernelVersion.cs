namespace IrqLab.Vectors;

/// <summary>The Linux versions whose vector layouts IrqLab models (SCENARIOS.md §3).</summary>
public enum KernelVersion
{
    /// <summary>Linux 6.1: IRQ_MOVE_CLEANUP_VECTOR at 0x20, FIRST_SYSTEM_VECTOR 0xec, no FRED.</summary>
    V6_1,

    /// <summary>Linux 6.6: cleanup vector replaced by a timer, FIRST_SYSTEM_VECTOR 0xec.</summary>
    V6_6,

    /// <summary>Linux 6.9: the first release with FRED and <c>sysvec_table[]</c> in <c>entry_fred.c</c>.</summary>
    V6_9,

    /// <summary>Linux 6.10: POSTED_MSI_NOTIFICATION_VECTOR 0xeb becomes FIRST_SYSTEM_VECTOR.</summary>
    V6_10,

    /// <summary>The newest mainline layout known to IrqLab: 6.10 plus PERF_GUEST_MEDIATED_PMI_VECTOR at 0xf5.</summary>
    Latest,
}
