using System.Collections.Immutable;

namespace IrqLab.Vectors;

/// <summary>
/// The Linux vector layout of one kernel version: FIRST_SYSTEM_VECTOR and NR_SYSTEM_VECTORS derived from the
/// version's system vectors, the per-slot facts, ISA vectors and the cleanup vector where it exists.
/// </summary>
public sealed class VectorLayout
{
    private readonly SystemVectorInfo?[] _byVector = new SystemVectorInfo?[VectorSpace.NrVectors];

    private VectorLayout(KernelVersion version, bool localApic)
    {
        Version = version;
        HasLocalApic = localApic;
        var all = LinuxVectorLayouts.SystemVectors(version);
        foreach (var info in all)
        {
            _byVector[info.Vector] = info;
        }

        // irq_vectors.h: FIRST_SYSTEM_VECTOR is the lowest system vector with CONFIG_X86_LOCAL_APIC, else NR_VECTORS.
        FirstSystemVector = localApic ? all.Min(v => v.Vector) : VectorSpace.NrVectors;
        SystemVectors = localApic ? all : [];
        if (LinuxVectorLayouts.HasMoveCleanupVector(version))
        {
            MoveCleanupVector = LinuxVectorLayouts.MoveCleanup;
            _byVector[MoveCleanupVector.Vector] = MoveCleanupVector;
        }
    }

    /// <summary>The kernel version this layout belongs to.</summary>
    public KernelVersion Version { get; }

    /// <summary>False when CONFIG_X86_LOCAL_APIC is off: then there are no system vectors.</summary>
    public bool HasLocalApic { get; }

    /// <summary><c>FIRST_SYSTEM_VECTOR</c>: 0xec (6.1-6.9), 0xeb (6.10+), 256 without a local APIC.</summary>
    public int FirstSystemVector { get; }

    /// <summary><c>NR_SYSTEM_VECTORS</c> = <c>NR_VECTORS - FIRST_SYSTEM_VECTOR</c>.</summary>
    public int NrSystemVectors => VectorSpace.NrVectors - FirstSystemVector;

    /// <summary><c>NR_EXTERNAL_VECTORS</c> = <c>FIRST_SYSTEM_VECTOR - FIRST_EXTERNAL_VECTOR</c>.</summary>
    public int NrExternalVectors => FirstSystemVector - VectorSpace.FirstExternalVector;

    /// <summary>Every vector from FIRST_SYSTEM_VECTOR to 255, highest first (holes included, with a null name).</summary>
    public ImmutableArray<SystemVectorInfo> SystemVectors { get; }

    /// <summary>IRQ_MOVE_CLEANUP_VECTOR where the version has it (6.1), else null.</summary>
    public SystemVectorInfo? MoveCleanupVector { get; }

    /// <summary>True when <paramref name="vector"/> is dispatched through the system vector table.</summary>
    public bool IsSystemVector(int vector) => vector >= FirstSystemVector && vector < VectorSpace.NrVectors;

    /// <summary>The system-vector facts for <paramref name="vector"/> (a system vector or the cleanup vector), or null.</summary>
    public SystemVectorInfo? GetSystemVector(int vector) =>
        (uint)vector < VectorSpace.NrVectors && (IsSystemVector(vector) || vector == MoveCleanupVector?.Vector) ? _byVector[vector] : null;

    /// <summary>Looks a vector up by its constant name (<c>RESCHEDULE_VECTOR</c>).</summary>
    public SystemVectorInfo? FindByName(string name)
    {
        foreach (var info in SystemVectors)
        {
            if (info.Name == name)
            {
                return info;
            }
        }

        return MoveCleanupVector?.Name == name ? MoveCleanupVector : null;
    }

    /// <summary>All vector constant names this layout knows, for error hints.</summary>
    public IEnumerable<string> VectorNames =>
        SystemVectors.Where(v => v.Name is not null).Select(v => v.Name!)
            .Concat(MoveCleanupVector is null ? [] : [MoveCleanupVector.Name!]);

    /// <summary>The kind of a vector under a given IA32_EMULATION setting.</summary>
    public VectorKind KindOf(int vector, bool ia32Emulation)
    {
        if (vector < VectorSpace.FirstExternalVector)
        {
            return VectorKind.Exception;
        }

        if (IsSystemVector(vector))
        {
            return VectorKind.System;
        }

        if (vector == MoveCleanupVector?.Vector)
        {
            return VectorKind.Cleanup;
        }

        if (vector == VectorSpace.Ia32SyscallVector && ia32Emulation)
        {
            return VectorKind.Syscall;
        }

        return vector is >= VectorSpace.IsaIrqVectorBase and < VectorSpace.IsaIrqVectorBase + VectorSpace.NrIrqsLegacy
            ? VectorKind.Isa
            : VectorKind.Device;
    }

    private static readonly VectorLayout[] s_withApic =
        [.. Enum.GetValues<KernelVersion>().Select(v => new VectorLayout(v, localApic: true))];

    private static readonly VectorLayout[] s_withoutApic =
        [.. Enum.GetValues<KernelVersion>().Select(v => new VectorLayout(v, localApic: false))];

    /// <summary>The (immutable, shared) layout of <paramref name="version"/>.</summary>
    public static VectorLayout For(KernelVersion version, bool localApic = true) =>
        (localApic ? s_withApic : s_withoutApic)[(int)version];
}
