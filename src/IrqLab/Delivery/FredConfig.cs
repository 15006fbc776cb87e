namespace IrqLab.Delivery;

/// <summary>
/// The FRED MSRs delivery reads (shared/reference/x86-events.md §7.2): IA32_FRED_CONFIG (0x1D4), IA32_FRED_STKLVLS
/// (0x1D0) and IA32_FRED_RSP0..3 (0x1CC-0x1CF). Values are raw; <see cref="CheckWrite"/> gives the WRMSR checks.
/// </summary>
/// <param name="Config">IA32_FRED_CONFIG: entry page 63:12, interrupt stack level 10:9, red zone 8:6 (64-byte units), shadow-stack bit 3.</param>
/// <param name="StackLevels">IA32_FRED_STKLVLS: 2 bits per vector 0..31.</param>
/// <param name="Rsp0">IA32_FRED_RSP0.</param>
/// <param name="Rsp1">IA32_FRED_RSP1.</param>
/// <param name="Rsp2">IA32_FRED_RSP2.</param>
/// <param name="Rsp3">IA32_FRED_RSP3.</param>
public readonly record struct FredConfig(ulong Config, ulong StackLevels, ulong Rsp0, ulong Rsp1, ulong Rsp2, ulong Rsp3)
{
    /// <summary>IA32_FRED_RSP0.</summary>
    public const uint MsrRsp0 = 0x1CC;

    /// <summary>IA32_FRED_RSP3.</summary>
    public const uint MsrRsp3 = 0x1CF;

    /// <summary>IA32_FRED_STKLVLS.</summary>
    public const uint MsrStackLevels = 0x1D0;

    /// <summary>IA32_FRED_CONFIG.</summary>
    public const uint MsrConfig = 0x1D4;

    /// <summary>Reserved bits of IA32_FRED_CONFIG: 2, 4, 5 and 11 (Bochs <c>msr.cc</c> mask 0x834).</summary>
    public const ulong ConfigReservedMask = 0x834;

    /// <summary>Reserved bits of IA32_FRED_RSPn: 5:0 (64-byte alignment; Bochs <c>msr.cc</c> mask 0x3F).</summary>
    public const ulong RspReservedMask = 0x3F;

    /// <summary>
    /// What Linux programs (<c>arch/x86/kernel/fred.c</c> <c>cpu_init_fred_exceptions</c>): red zone of one 64-byte line,
    /// interrupt stack level 0, and STKLVLS with #DB at 1, NMI and #MC at 2, #DF at 3; RSP1-3 are the former IST stacks.
    /// </summary>
    public static FredConfig Linux(ulong entryPage = 0xFFFF_FFFF_8100_0000) => new(
        (entryPage & ~0xFFFUL) | (1UL << 6),
        (1UL << (2 * 1)) | (2UL << (2 * 2)) | (2UL << (2 * 18)) | (3UL << (2 * 8)),
        0,
        0xFFFF_FE00_0000_1000,
        0xFFFF_FE00_0000_2000,
        0xFFFF_FE00_0000_3000);

    /// <summary>The ring-3 entry point (CONFIG 63:12); ring-0 events enter 256 bytes after it.</summary>
    public ulong UserEntryPoint => Config & ~0xFFFUL;

    /// <summary>The ring-0 entry point: <see cref="UserEntryPoint"/> + 256.</summary>
    public ulong KernelEntryPoint => UserEntryPoint + 256;

    /// <summary>The stack level of maskable external interrupts (CONFIG 10:9).</summary>
    public int InterruptStackLevel => (int)((Config >> 9) & 3);

    /// <summary>Red-zone size in bytes skipped on same-level delivery (<c>CONFIG &amp; 0x1C0</c>).</summary>
    public ulong RedZoneBytes => Config & 0x1C0;

    /// <summary>The stack level STKLVLS assigns to exception/NMI vector <paramref name="vector"/> (0..31), else 0.</summary>
    public int StackLevelOf(int vector) => (uint)vector < 32 ? (int)((StackLevels >> (2 * vector)) & 3) : 0;

    /// <summary>IA32_FRED_RSP of stack level <paramref name="level"/> (0..3).</summary>
    public ulong RspOf(int level) => level switch
    {
        0 => Rsp0,
        1 => Rsp1,
        2 => Rsp2,
        3 => Rsp3,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "stack levels are 0..3"),
    };

    /// <summary>
    /// True for IA32_FRED_RSP0..3 (0x1CC-0x1CF), IA32_FRED_STKLVLS (0x1D0) and IA32_FRED_CONFIG (0x1D4), the FRED MSRs
    /// the model has (FRED spec §4); IA32_FRED_SSP1..3 (0x1D1-0x1D3, supervisor shadow stacks) are not modelled.
    /// </summary>
    public static bool IsFredMsr(ulong msr) => msr is >= MsrRsp0 and <= MsrStackLevels or MsrConfig;

    /// <summary>What RDMSR of the FRED MSR <paramref name="msr"/> returns (<see cref="IsFredMsr"/> must hold).</summary>
    public ulong ReadMsr(uint msr) => msr switch
    {
        MsrConfig => Config,
        MsrStackLevels => StackLevels,
        >= MsrRsp0 and <= MsrRsp3 => RspOf((int)(msr - MsrRsp0)),
        _ => throw new ArgumentOutOfRangeException(nameof(msr), msr, "not a FRED MSR the model has"),
    };

    /// <summary>The WRMSR checks for a FRED MSR (canonical addresses, reserved bits), as Bochs <c>msr.cc</c> applies them.</summary>
    public static FredMsrWriteResult CheckWrite(uint msr, ulong value)
    {
        if (msr is >= MsrRsp0 and <= MsrRsp3)
        {
            return !IdtDelivery.IsCanonical(value) ? FredMsrWriteResult.GpNonCanonical
                : (value & RspReservedMask) != 0 ? FredMsrWriteResult.GpReservedBits
                : FredMsrWriteResult.Ok;
        }

        if (msr == MsrStackLevels)
        {
            return FredMsrWriteResult.Ok;
        }

        if (msr == MsrConfig)
        {
            return !IdtDelivery.IsCanonical(value) ? FredMsrWriteResult.GpNonCanonical
                : (value & ConfigReservedMask) != 0 ? FredMsrWriteResult.GpReservedBits
                : FredMsrWriteResult.Ok;
        }

        return FredMsrWriteResult.NotFredMsr;
    }

    /// <summary>Returns a copy with one MSR written, or this value unchanged with the #GP result.</summary>
    public FredConfig WithMsr(uint msr, ulong value, out FredMsrWriteResult result)
    {
        result = CheckWrite(msr, value);
        if (result != FredMsrWriteResult.Ok)
        {
            return this;
        }

        return msr switch
        {
            MsrConfig => this with { Config = value },
            MsrStackLevels => this with { StackLevels = value },
            MsrRsp0 => this with { Rsp0 = value },
            MsrRsp0 + 1 => this with { Rsp1 = value },
            MsrRsp0 + 2 => this with { Rsp2 = value },
            _ => this with { Rsp3 = value },
        };
    }
}
