using System.Numerics;
using IrqLab.Hardware.Apic;
using IrqLab.Kernel;

namespace IrqLab.Benchmarks;

/// <summary>
/// The no-op machine under the dispatch kernels (one CPU): the loop marks the vector in service, as the CPU's acknowledge
/// would, and <see cref="ApicEoi"/> clears the highest in-service bit of one 64-bit word and counts the EOI. The error
/// handler's register accesses see a version register with max LVT 6 and an ESR that an APIC_ESR write latches from
/// the (always empty) collected errors; the reboot handler's SPIV write is kept and its halt counted (the benchmark CPU
/// goes on), while its <c>clear_local_APIC()</c> LVT accesses read 0 and are dropped. Device acknowledges and log lines are only counted. Mirrored by
/// <c>bench/native/src/bench_platform.h</c>.
/// </summary>
internal sealed class BenchKernelPlatform : IKernelPlatform
{
    /// <summary>APIC_SPIV as Linux programs it: software-enabled, spurious vector 0xFF.</summary>
    private const uint LinuxSpiv = 0x1FF;

    private ulong _isr;
    private uint _esr;
    private uint _esrPending;
    private uint _spiv = LinuxSpiv;

    /// <inheritdoc/>
    public long NowNs => 0;

    /// <summary>The in-service word (vector &amp; 63).</summary>
    public ulong Isr => _isr;

    /// <summary>EOIs written.</summary>
    public ulong EoiCount { get; private set; }

    /// <summary>APIC_SPIV as last written (<c>sysvec_reboot</c> clears its enable bit).</summary>
    public uint Spiv => _spiv;

    /// <summary><see cref="HaltForever"/> calls (<c>sysvec_reboot</c>; the benchmark CPU goes on).</summary>
    public ulong Halts { get; private set; }

    /// <summary>Device acknowledges by handlers that returned IRQ_HANDLED.</summary>
    public ulong DeviceAcks { get; private set; }

    /// <summary>Kernel log lines (a benchmark input that reaches a printk path is a bug in the input).</summary>
    public int LogCount { get; private set; }

    /// <summary>The vector last programmed into an MSI / MSI-X entry.</summary>
    public int MsiVector { get; private set; } = -1;

    /// <summary>The CPU acknowledged <paramref name="vector"/>: it is in service until the handler's EOI.</summary>
    public void MarkInService(int vector) => _isr |= 1UL << (vector & 63);

    /// <inheritdoc/>
    public void ApicEoi(int cpu)
    {
        var isr = _isr;
        if (isr != 0)
        {
            _isr = isr & ~(1UL << (63 - BitOperations.LeadingZeroCount(isr)));
        }

        EoiCount++;
    }

    /// <summary>The ESR as last latched (0 in the benchmark: nothing collects errors).</summary>
    public uint Esr => _esr;

    /// <inheritdoc/>
    public uint ApicRead(int cpu, int reg) => reg switch
    {
        ApicDef.Lvr => ApicConst.ApicVersion, // the model local APIC's LVR
        ApicDef.Esr => _esr,
        ApicDef.Spiv => _spiv,
        _ => 0,
    };

    /// <inheritdoc/>
    public void ApicWrite(int cpu, int reg, uint value)
    {
        if (reg == ApicDef.Esr)
        {
            _esr = _esrPending;
            _esrPending = 0;
        }
        else if (reg == ApicDef.Spiv)
        {
            _spiv = value;
        }
    }

    /// <inheritdoc/>
    public bool ApicIsrIsSet(int cpu, int vector) => ((_isr >> (vector & 63)) & 1) != 0;

    /// <inheritdoc/>
    public bool ApicTmrIsSet(int cpu, int vector) => false;

    /// <inheritdoc/>
    public void IoApicPinEoi(int ioapic, int pin, int vector)
    {
    }

    /// <inheritdoc/>
    public void ProgramIoApicPin(int ioapic, int pin, int vector, int cpu, bool level, bool activeLow, bool masked)
    {
    }

    /// <inheritdoc/>
    public void SetIoApicPinMask(int ioapic, int pin, bool masked)
    {
    }

    /// <inheritdoc/>
    public void ProgramMsi(int device, int index, int vector, int cpu) => MsiVector = vector;

    /// <inheritdoc/>
    public void SetMsiMask(int device, int index, bool masked)
    {
    }

    /// <inheritdoc/>
    public void SetPicMask(int isaIrq, bool masked)
    {
    }

    /// <inheritdoc/>
    public void PicEoi(int isaIrq)
    {
    }

    /// <inheritdoc/>
    public bool PicInService(int isaIrq) => true;

    /// <inheritdoc/>
    public void SetPicLevelTriggered(int isaIrq)
    {
    }

    /// <inheritdoc/>
    public bool DeviceAcknowledge(int device)
    {
        DeviceAcks++;
        return true;
    }

    /// <inheritdoc/>
    public void SendIpi(int cpu, int vector)
    {
    }

    /// <inheritdoc/>
    public void HaltForever(int cpu) => Halts++;

    /// <inheritdoc/>
    public void Log(int cpu, KernelLogLevel level, string text) => LogCount++;

    /// <inheritdoc/>
    public void Fault(int cpu, string kind)
    {
    }
}
