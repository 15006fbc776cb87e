namespace IrqLab.Scenarios.Model;

/// <summary><c>{timer: {hz}}</c>: the local APIC timer, periodic, on every CPU.</summary>
public sealed record TimerWorkload(int Hz) : WorkloadSpec
{
    /// <summary>
    /// <c>APIC_DIVISOR</c> (arch/x86/kernel/apic/apic.c): Linux's periodic tick divides the timer clock by 16
    /// (<c>__setup_APIC_LVTT()</c> writes TDCR = <see cref="DivideConfiguration"/>) and loads clocks per jiffy / 16.
    /// </summary>
    public const int LinuxApicDivisor = 16;

    /// <summary><c>APIC_TDR_DIV_16</c>: the divide configuration register value for divide by 16 (SDM Vol. 3A Figure 11-10).</summary>
    public const uint DivideConfiguration = 0x3;

    /// <summary>The initial count Linux loads for a tick of <paramref name="hz"/> on a timer clock of <paramref name="apicTimerHz"/>: (clock / HZ) / 16; 0 stops the timer.</summary>
    public static ulong InitialCount(long apicTimerHz, int hz) => (ulong)(apicTimerHz / hz / LinuxApicDivisor);
}
