using System.Numerics;

namespace IrqLab.Kernel.Matrix;

/// <summary>
/// The per-CPU vector allocator of <c>kernel/irq/matrix.c</c> (shared/reference/linux-dispatch.md §5.1), created like
/// <c>irq_alloc_matrix(NR_VECTORS, FIRST_EXTERNAL_VECTOR, FIRST_SYSTEM_VECTOR)</c>. Bitmaps are 256 bits (4 ulongs) per CPU.
/// Errors are returned as negative errno values (-ENOSPC = -28, -EINVAL = -22), never thrown.
/// </summary>
public sealed class VectorMatrix
{
    /// <summary>-ENOSPC.</summary>
    public const int ENOSPC = -28;

    /// <summary>-EINVAL.</summary>
    public const int EINVAL = -22;

    private const int Words = 4;
    private readonly ulong[] _systemMap = new ulong[Words];
    private readonly ulong[] _allocMap;
    private readonly ulong[] _managedMap;
    private readonly int[] _available;
    private readonly int[] _allocated;
    private readonly int[] _managed;
    private readonly int[] _managedAllocated;
    private readonly bool[] _online;
    private int _systemBitsInAlloc;

    /// <summary>Creates the matrix for <paramref name="cpus"/> CPUs and the allocation range [<paramref name="allocStart"/>, <paramref name="allocEnd"/>).</summary>
    public VectorMatrix(int cpus, int allocStart, int allocEnd)
    {
        if (cpus < 1 || allocStart < 0 || allocEnd > 256 || allocStart > allocEnd)
        {
            throw new ArgumentOutOfRangeException(nameof(cpus), "bad matrix geometry");
        }

        Cpus = cpus;
        AllocStart = allocStart;
        AllocEnd = allocEnd;
        _allocMap = new ulong[cpus * Words];
        _managedMap = new ulong[cpus * Words];
        _available = new int[cpus];
        _allocated = new int[cpus];
        _managed = new int[cpus];
        _managedAllocated = new int[cpus];
        _online = new bool[cpus];
    }

    /// <summary>Number of CPUs.</summary>
    public int Cpus { get; }

    /// <summary><c>alloc_start</c> (FIRST_EXTERNAL_VECTOR).</summary>
    public int AllocStart { get; }

    /// <summary><c>alloc_end</c> (FIRST_SYSTEM_VECTOR).</summary>
    public int AllocEnd { get; }

    /// <summary><c>alloc_size</c>.</summary>
    public int AllocSize => AllocEnd - AllocStart;

    /// <summary><c>global_available</c>: sum of <c>available</c> over online CPUs.</summary>
    public int GlobalAvailable { get; private set; }

    /// <summary><c>global_reserved</c>.</summary>
    public int GlobalReserved { get; private set; }

    /// <summary><c>total_allocated</c>.</summary>
    public int TotalAllocated { get; private set; }

    /// <summary><c>systembits_inalloc</c>: system bits inside the allocation range.</summary>
    public int SystemBitsInAlloc => _systemBitsInAlloc;

    /// <summary>Free vectors a CPU can still hand out (<c>cpumap.available</c>).</summary>
    public int Available(int cpu) => _available[cpu];

    /// <summary><c>cpumap.allocated</c>.</summary>
    public int Allocated(int cpu) => _allocated[cpu];

    /// <summary><c>cpumap.managed</c>: managed reservations.</summary>
    public int Managed(int cpu) => _managed[cpu];

    /// <summary><c>cpumap.managed_allocated</c>.</summary>
    public int ManagedAllocated(int cpu) => _managedAllocated[cpu];

    /// <summary>True when the CPU's matrix is online.</summary>
    public bool IsOnline(int cpu) => _online[cpu];

    /// <summary>True when <paramref name="bit"/> is in the global <c>system_map</c>.</summary>
    public bool IsSystem(int bit) => Test(_systemMap, 0, bit);

    /// <summary>True when <paramref name="bit"/> is allocated on <paramref name="cpu"/>.</summary>
    public bool IsAllocated(int cpu, int bit) => Test(_allocMap, cpu * Words, bit);

    /// <summary>True when <paramref name="bit"/> is reserved as managed on <paramref name="cpu"/>.</summary>
    public bool IsManagedReserved(int cpu, int bit) => Test(_managedMap, cpu * Words, bit);

    /// <summary>
    /// <c>irq_matrix_assign_system(m, bit, false)</c>: reserve <paramref name="bit"/> on every CPU. Only legal before CPUs are
    /// online (the kernel BUGs otherwise); counted in <c>systembits_inalloc</c> when inside the allocation range.
    /// </summary>
    public void AssignSystem(int bit)
    {
        for (var c = 0; c < Cpus; c++)
        {
            if (_online[c])
            {
                throw new InvalidOperationException("irq_matrix_assign_system() after CPUs went online (kernel BUG_ON)");
            }
        }

        if (Test(_systemMap, 0, bit))
        {
            return;
        }

        Set(_systemMap, 0, bit);
        if (bit >= AllocStart && bit < AllocEnd)
        {
            _systemBitsInAlloc++;
        }
    }

    /// <summary><c>irq_matrix_online()</c> for one CPU: <c>available = alloc_size - managed - systembits_inalloc</c> (minus bits already assigned).</summary>
    public void Online(int cpu)
    {
        if (_online[cpu])
        {
            return;
        }

        _available[cpu] = AllocSize - _managed[cpu] - _systemBitsInAlloc - (_allocated[cpu] - _managedAllocated[cpu]);
        GlobalAvailable += _available[cpu];
        _online[cpu] = true;
    }

    /// <summary><c>irq_matrix_assign()</c>: mark a fixed vector (legacy ISA) as allocated on <paramref name="cpu"/>.</summary>
    public void Assign(int cpu, int bit)
    {
        var o = cpu * Words;
        if (Test(_allocMap, o, bit) || Test(_systemMap, 0, bit))
        {
            return;
        }

        Set(_allocMap, o, bit);
        _allocated[cpu]++;
        TotalAllocated++;
        if (_online[cpu])
        {
            _available[cpu]--;
            GlobalAvailable--;
        }
    }

    /// <summary>
    /// <c>irq_matrix_alloc()</c>: among the online CPUs of <paramref name="mask"/>, the one with the most available vectors
    /// (ties: lowest CPU), then its lowest free bit. Returns the vector, or -EINVAL (empty mask) / -ENOSPC.
    /// </summary>
    public int Alloc(ReadOnlySpan<int> mask, bool reserved, out int cpu)
    {
        cpu = -1;
        if (mask.IsEmpty)
        {
            return EINVAL;
        }

        var best = -1;
        var bestAvailable = 0;
        foreach (var c in mask)
        {
            if ((uint)c >= (uint)Cpus || !_online[c])
            {
                continue;
            }

            if (best < 0 ? _available[c] > 0 : _available[c] > bestAvailable)
            {
                best = c;
                bestAvailable = _available[c];
            }
            else if (best >= 0 && _available[c] == bestAvailable && c < best)
            {
                best = c;
            }
        }

        if (best < 0)
        {
            return ENOSPC;
        }

        var bit = FindFree(best, managedOnly: false);
        if (bit < 0)
        {
            return ENOSPC;
        }

        Set(_allocMap, best * Words, bit);
        _allocated[best]++;
        _available[best]--;
        TotalAllocated++;
        GlobalAvailable--;
        if (reserved)
        {
            GlobalReserved--;
        }

        cpu = best;
        return bit;
    }

    /// <summary><c>irq_matrix_reserve()</c>: bookkeeping only (<c>global_reserved++</c>). Returns true when the kernel would warn.</summary>
    public bool Reserve()
    {
        var warn = GlobalReserved == GlobalAvailable;
        GlobalReserved++;
        return warn;
    }

    /// <summary>
    /// <c>irq_matrix_remove_reserved()</c>: drops a reservation that was never turned into a vector (<c>global_reserved--</c>),
    /// as <c>x86_vector_free_irqs()</c> does for an irq still holding only its reservation (<c>apicd-&gt;has_reserved</c>).
    /// </summary>
    public void RemoveReserved()
    {
        if (GlobalReserved <= 0)
        {
            throw new InvalidOperationException("no reservation to remove");
        }

        GlobalReserved--;
    }

    /// <summary>
    /// <c>irq_matrix_reserve_managed()</c>: one managed bit (lowest free) on every CPU of <paramref name="mask"/>; undone on failure.
    /// Returns 0 or -ENOSPC.
    /// </summary>
    public int ReserveManaged(ReadOnlySpan<int> mask)
    {
        Span<int> taken = stackalloc int[mask.Length];
        for (var i = 0; i < mask.Length; i++)
        {
            var c = mask[i];
            var bit = FindFree(c, managedOnly: false);
            if (bit < 0)
            {
                for (var j = 0; j < i; j++)
                {
                    UnreserveManaged(mask[j], taken[j]);
                }

                return ENOSPC;
            }

            Set(_managedMap, c * Words, bit);
            _managed[c]++;
            if (_online[c])
            {
                _available[c]--;
                GlobalAvailable--;
            }

            taken[i] = bit;
        }

        return 0;
    }

    /// <summary>
    /// <c>irq_matrix_alloc_managed()</c>: -EINVAL for an empty <paramref name="mask"/>; else the online CPU of the mask with
    /// the fewest managed allocations, then the first bit reserved as managed but not allocated. <c>for_each_cpu()</c> scans
    /// in ascending CPU order and skips a CPU only when its count is greater, so among equal counts the highest-numbered CPU
    /// wins, whatever order <paramref name="mask"/> lists them in (<c>matrix_find_best_cpu_managed()</c>). Returns the
    /// vector, -EINVAL or -ENOSPC.
    /// </summary>
    public int AllocManaged(ReadOnlySpan<int> mask, out int cpu)
    {
        cpu = -1;
        if (mask.IsEmpty)
        {
            return EINVAL;
        }

        var best = -1;
        var bestCount = int.MaxValue;
        foreach (var c in mask)
        {
            if ((uint)c >= (uint)Cpus || !_online[c] || _managedAllocated[c] > bestCount)
            {
                continue;
            }

            if (_managedAllocated[c] == bestCount && c < best)
            {
                continue;
            }

            best = c;
            bestCount = _managedAllocated[c];
        }

        if (best < 0)
        {
            return ENOSPC;
        }

        var bit = FindFree(best, managedOnly: true);
        if (bit < 0)
        {
            return ENOSPC;
        }

        Set(_allocMap, best * Words, bit);
        _allocated[best]++;
        _managedAllocated[best]++;
        TotalAllocated++;
        cpu = best;
        return bit;
    }

    /// <summary><c>irq_matrix_free()</c>. Returns false (the kernel WARNs) when the bit is out of range or not allocated.</summary>
    public bool Free(int cpu, int bit, bool managed)
    {
        var o = cpu * Words;
        if (bit < AllocStart || bit >= AllocEnd || !Test(_allocMap, o, bit))
        {
            return false;
        }

        Clear(_allocMap, o, bit);
        _allocated[cpu]--;
        TotalAllocated--;
        if (managed)
        {
            _managedAllocated[cpu]--;
        }
        else if (_online[cpu])
        {
            _available[cpu]++;
            GlobalAvailable++;
        }

        return true;
    }

    private void UnreserveManaged(int cpu, int bit)
    {
        Clear(_managedMap, cpu * Words, bit);
        _managed[cpu]--;
        if (_online[cpu])
        {
            _available[cpu]++;
            GlobalAvailable++;
        }
    }

    private int FindFree(int cpu, bool managedOnly)
    {
        var o = cpu * Words;
        for (var w = AllocStart >> 6; w <= (AllocEnd - 1) >> 6 && w < Words; w++)
        {
            var busy = _allocMap[o + w] | _systemMap[w];
            var candidates = managedOnly ? _managedMap[o + w] & ~busy : ~(busy | _managedMap[o + w]);
            while (candidates != 0)
            {
                var bit = (w << 6) + BitOperations.TrailingZeroCount(candidates);
                if (bit >= AllocEnd)
                {
                    return -1;
                }

                if (bit >= AllocStart)
                {
                    return bit;
                }

                candidates &= candidates - 1;
            }
        }

        return -1;
    }

    private static bool Test(ulong[] map, int offset, int bit) => (map[offset + (bit >> 6)] & (1UL << (bit & 63))) != 0;

    private static void Set(ulong[] map, int offset, int bit) => map[offset + (bit >> 6)] |= 1UL << (bit & 63);

    private static void Clear(ulong[] map, int offset, int bit) => map[offset + (bit >> 6)] &= ~(1UL << (bit & 63));
}
