using System.Collections.Immutable;

namespace IrqLab.Vectors;

/// <summary>
/// One vector in <c>FIRST_SYSTEM_VECTOR..255</c> (or the cleanup vector 0x20) as a kernel version defines it
/// (<c>arch/x86/include/asm/irq_vectors.h</c>, <c>idtentry.h</c>, <c>entry_fred.c</c>, <c>irq.c</c>).
/// </summary>
/// <param name="Vector">The vector number.</param>
/// <param name="Name">The <c>*_VECTOR</c> constant, or null for an unused hole.</param>
/// <param name="Handler">The canonical C handler (<c>sysvec_*</c>), or null when there is none.</param>
/// <param name="Config">The Kconfig option guarding the handler, or null.</param>
/// <param name="Row">The /proc/interrupts row the handler increments (<c>LOC</c>), or null.</param>
/// <param name="Install">Static table entry, runtime install, or none.</param>
/// <param name="Alternatives">For runtime vectors shared by several guests (HYPERVISOR_CALLBACK_VECTOR): (Kconfig, handler) pairs in the order tried.</param>
public sealed record SystemVectorInfo(
    int Vector,
    string? Name,
    string? Handler,
    string? Config,
    string? Row,
    SystemVectorInstall Install,
    ImmutableArray<(string Config, string Handler)> Alternatives)
{
    /// <summary>Creates an entry without alternatives.</summary>
    public SystemVectorInfo(int vector, string? name, string? handler, string? config, string? row, SystemVectorInstall install)
        : this(vector, name, handler, config, row, install, [])
    {
    }

    /// <summary>
    /// The Kconfig option without which <c>irq_vectors.h</c> does not define <see cref="Name"/> (the vector is then an
    /// unnamed hole of the build), or null when the constant is always defined.
    /// </summary>
    public string? NameConfig { get; init; }
}
