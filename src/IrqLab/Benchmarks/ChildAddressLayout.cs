using System.Runtime.InteropServices;

namespace IrqLab.Benchmarks;

/// <summary>
/// Turns off address-space layout randomization (ASLR) for the processes this one starts, while the scope is open: on
/// Linux, <c>personality(2)</c> with <c>ADDR_NO_RANDOMIZE</c>, the flag <c>setarch -R</c> sets, which a child inherits
/// through <c>fork</c> and which <c>execve</c> reads for the new image. Restored when disposed. The persona belongs to the
/// calling thread (the kernel keeps it per task), so the processes must be started from the thread that opened the scope.
/// </summary>
/// <remarks>
/// <c>irqlab bench</c> measures each kernel and simulation in a child process. With ASLR each child gets other code,
/// heap and library addresses, and a few percent of them land in a layout where the same code is much slower (the
/// pipeline kernel at 52–63 ns instead of 43–48 in 16 of 240 processes on the project's machine, none in 144 without
/// ASLR; docs/performance.md "Layout modes"). Without it a run measures the code, and the same build on the same machine
/// gives the same layout every time. Where the flag cannot be set (not Linux, or a seccomp profile that refuses the
/// call) the children keep ASLR and <see cref="ChildrenRandomized"/> says so.
/// </remarks>
internal sealed partial class ChildAddressLayout : IDisposable
{
    private const uint AddrNoRandomize = 0x0040000;
    private const uint QueryPersona = 0xFFFF_FFFF;

    private readonly uint? _restore;

    private ChildAddressLayout(uint? restore, bool childrenRandomized)
    {
        _restore = restore;
        ChildrenRandomized = childrenRandomized;
    }

    /// <summary>Whether processes started while this scope is open get randomized address spaces.</summary>
    public bool ChildrenRandomized { get; }

    /// <summary>
    /// Opens a scope in which started processes run without ASLR where this platform allows it, or, with
    /// <paramref name="keepRandomization"/>, one that changes nothing (they get the layout the system gives them).
    /// </summary>
    public static ChildAddressLayout Open(bool keepRandomization)
    {
        if (CurrentPersona() is not { } persona)
        {
            return new ChildAddressLayout(null, !OperatingSystem.IsLinux() || SystemRandomizes());
        }

        if ((persona & AddrNoRandomize) != 0)
        {
            // Started so already (setarch -R): the children inherit it.
            return new ChildAddressLayout(null, false);
        }

        if (keepRandomization || Personality(persona | AddrNoRandomize) == -1)
        {
            return new ChildAddressLayout(null, SystemRandomizes());
        }

        return new ChildAddressLayout(persona, false);
    }

    /// <summary>Restores the persona this process had before <see cref="Open"/>.</summary>
    public void Dispose()
    {
        if (_restore is { } persona)
        {
            // The persona this process had: setting it back cannot be refused where setting the flag was not.
            _ = Personality(persona);
        }
    }

    /// <summary>Whether the kernel randomizes layouts at all: <c>/proc/sys/kernel/randomize_va_space</c> is not 0.</summary>
    private static bool SystemRandomizes()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/randomize_va_space").Trim() != "0";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>This process's persona (<c>personality(0xffffffff)</c> reads it), or null off Linux or where it cannot be read.</summary>
    private static uint? CurrentPersona()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var current = Personality(QueryPersona);
            return current == -1 ? null : (uint)current;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "personality")]
    private static partial int Personality(nuint persona);
}
