using IrqLab.Kernel;

namespace IrqLab.Tests.Kernel;

/// <summary>A platform that records nothing (for allocation measurements).</summary>
public sealed class NullPlatform : IKernelPlatform
{
    public long NowNs => 0;

    public long EoiCount { get; private set; }

    public void ApicEoi(int cpu) => EoiCount++;

    public uint ApicRead(int cpu, int reg) => 0;

    public void ApicWrite(int cpu, int reg, uint value)
    {
    }

    public bool ApicIsrIsSet(int cpu, int vector) => true;

    public bool ApicTmrIsSet(int cpu, int vector) => true;

    public void IoApicPinEoi(int ioapic, int pin, int vector)
    {
    }

    public void ProgramIoApicPin(int ioapic, int pin, int vector, int cpu, bool level, bool activeLow, bool masked)
    {
    }

    public void SetIoApicPinMask(int ioapic, int pin, bool masked)
    {
    }

    public void ProgramMsi(int device, int index, int vector, int cpu)
    {
    }

    public void SetMsiMask(int device, int index, bool masked)
    {
    }

    public void SetPicMask(int isaIrq, bool masked)
    {
    }

    public void PicEoi(int isaIrq)
    {
    }

    public bool PicInService(int isaIrq) => true;

    public void SetPicLevelTriggered(int isaIrq)
    {
    }

    public bool DeviceAcknowledge(int device) => true;

    public void SendIpi(int cpu, int vector)
    {
    }

    public void HaltForever(int cpu)
    {
    }

    public void Log(int cpu, KernelLogLevel level, string text)
    {
    }

    public void Fault(int cpu, string kind)
    {
    }
}
