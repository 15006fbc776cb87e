using IrqLab.Hardware.Apic;
using IrqLab.Hardware.Msi;
using IrqLab.Kernel;

namespace IrqLab.Benchmarks;

/// <summary>
/// The machine under <see cref="PipelineKernel"/>: the kernel's <c>apic_eoi()</c> is the real <see cref="LocalApic.Eoi"/>,
/// and MSI-X programming is recorded as the compatibility-format address/data pair the device will write.
/// </summary>
internal sealed class PipelinePlatform : IKernelPlatform
{
    private readonly LocalApic _apic;

    public PipelinePlatform(LocalApic apic) => _apic = apic;

    /// <inheritdoc/>
    public long NowNs => 0;

    /// <summary>The MSI address the kernel programmed (0xFEE0_0000 | destination APIC ID &lt;&lt; 12, physical).</summary>
    public ulong MsiAddress { get; private set; }

    /// <summary>The MSI data the kernel programmed (vector, fixed, edge).</summary>
    public uint MsiData { get; private set; }

    /// <summary>Device acknowledges by handlers that returned IRQ_HANDLED.</summary>
    public ulong DeviceAcks { get; private set; }

    /// <summary>Kernel log lines.</summary>
    public int LogCount { get; private set; }

    /// <inheritdoc/>
    public void ApicEoi(int cpu) => _apic.Eoi();

    /// <inheritdoc/>
    public uint ApicRead(int cpu, int reg)
    {
        _apic.ReadMmio((uint)reg, out var value);
        return value;
    }

    /// <inheritdoc/>
    public void ApicWrite(int cpu, int reg, uint value) => _apic.WriteMmio((uint)reg, value);

    /// <inheritdoc/>
    public bool ApicIsrIsSet(int cpu, int vector) => _apic.Isr.IsSet(vector);

    /// <inheritdoc/>
    public bool ApicTmrIsSet(int cpu, int vector) => _apic.Tmr.IsSet(vector);

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
    public void ProgramMsi(int device, int index, int vector, int cpu)
    {
        // __irq_msi_compose_msg(): physical destination, no RH; fixed, edge.
        var message = MsiMessage.Compose(_apic.ApicId, vector);
        MsiAddress = message.Address;
        MsiData = message.Data;
    }

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
    public void HaltForever(int cpu)
    {
    }

    /// <inheritdoc/>
    public void Log(int cpu, KernelLogLevel level, string text) => LogCount++;

    /// <inheritdoc/>
    public void Fault(int cpu, string kind)
    {
    }
}
