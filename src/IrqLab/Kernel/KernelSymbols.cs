using System.Globalization;
using IrqLab.Kernel.Sysvec;

namespace IrqLab.Kernel;

/// <summary>
/// Deterministic stand-ins for what the kernel prints about code addresses. MODELLED, not real: symbol sizes and call-site
/// offsets (<c>%pS</c> = <c>name+0xoff/0xsize</c>), hashed pointers (<c>%p</c>, 16 hex digits with the upper half zero as on
/// x86-64) and kCFI type hashes (FNV-1a 32 of the Itanium-mangled function type; clang uses xxHash64 truncated to 32 bits).
/// All are pure functions of the names, so runs are reproducible.
/// </summary>
public static class KernelSymbols
{
    /// <summary>Itanium type-info name of <c>void (struct pt_regs *)</c> (<c>idtentry_t</c>).</summary>
    public const string IdtEntryMangled = "_ZTSFvP7pt_regsE";

    /// <summary>Itanium type-info name of <c>void (struct pt_regs *, unsigned long)</c>.</summary>
    public const string RegsVectorMangled = "_ZTSFvP7pt_regsmE";

    /// <summary>FNV-1a 32-bit hash of <paramref name="text"/>.</summary>
    public static uint Fnv1a(string text)
    {
        var h = 2166136261u;
        foreach (var ch in text)
        {
            h ^= ch;
            h *= 16777619u;
        }

        return h;
    }

    /// <summary>The modelled kCFI type hash of a handler type.</summary>
    public static uint TypeHash(SysvecHandlerType type) =>
        Fnv1a(type == SysvecHandlerType.IdtEntry ? IdtEntryMangled : RegsVectorMangled);

    /// <summary>Modelled size of function <paramref name="symbol"/>: 0x40..0x130 in steps of 0x10.</summary>
    public static int SymbolSize(string symbol) => 0x40 + ((int)(Fnv1a(symbol) % 16) * 0x10);

    /// <summary><c>%pS</c> of <paramref name="symbol"/> + <paramref name="offset"/>: <c>name+0x1c/0x90</c>.</summary>
    public static string Symbolize(string symbol, int offset)
    {
        var size = SymbolSize(symbol);
        return string.Create(CultureInfo.InvariantCulture, $"{symbol}+0x{offset % size:x}/0x{size:x}");
    }

    /// <summary>A call site inside <paramref name="symbol"/> (deterministic offset inside the function).</summary>
    public static string CallSite(string symbol)
    {
        var size = SymbolSize(symbol);
        var offset = 0x10 + (int)((Fnv1a(symbol + "#call") % (uint)(size - 0x20)) & ~3);
        return Symbolize(symbol, offset);
    }

    /// <summary>A hashed <c>%p</c> value for <paramref name="symbol"/>: 16 hex digits, upper 32 bits zero.</summary>
    public static string HashedPointer(string symbol) =>
        string.Create(CultureInfo.InvariantCulture, $"00000000{Fnv1a("ptr:" + symbol):x8}");
}
