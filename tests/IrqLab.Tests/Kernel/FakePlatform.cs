using IrqLab.Kernel;

namespace IrqLab.Tests.Kernel;

/// <summary>A recording IKernelPlatform: every call is appended to <see cref="Calls"/> as text.</summary>
public sealed class FakePlatform : IKernelPlatform
{
    public long NowNs { get; set; }

    public List<string> Calls { get; } = [];

    public List<(int Cpu, KernelLogLevel Level, string Text)> Logs { get; } = [];

    public List<(int Cpu, string Kind)> Faults { get; } = [];

    public HashSet<(int Cpu, int Vector)> Isr { get; } = [];

    public HashSet<(int Cpu, int Vector)> Tmr { get; } = [];

    public Action<int>? OnAcknowledge { get; set; }

    public int Eois(int cpu) => Calls.Count(c => c == $"eoi {cpu}");

    public IEnumerable<string> Texts => Logs.Select(l => l.Text);

    /// <summary>What <see cref="GetNmiReason"/> returns (port 0x61).</summary>
    public byte NmiReason { get; set; }

    public byte GetNmiReason() => NmiReason;

    public void ApicEoi(int cpu) => Calls.Add($"eoi {cpu}");

    /// <summary>What <see cref="ApicRead"/> returns per register offset (APIC_LVR as the model's APIC by default).</summary>
    public Dictionary<int, uint> ApicRegisters { get; } = new() { [ApicDef.Lvr] = 0x0106_0014 };

    public uint ApicRead(int cpu, int reg)
    {
        Calls.Add($"apic.read {cpu} 0x{reg:x3}");
        return ApicRegisters.GetValueOrDefault(reg);
    }

    public void ApicWrite(int cpu, int reg, uint value) => Calls.Add($"apic.write {cpu} 0x{reg:x3} 0x{value:x}");

    public bool ApicIsrIsSet(int cpu, int vector) => Isr.Contains((cpu, vector));

    public bool ApicTmrIsSet(int cpu, int vector) => Tmr.Contains((cpu, vector));

    public void IoApicPinEoi(int ioapic, int pin, int vector) => Calls.Add($"ioapic.eoi {ioapic} {pin} 0x{vector:x2}");

    public void ProgramIoApicPin(int ioapic, int pin, int vector, int cpu, bool level, bool activeLow, bool masked) =>
        Calls.Add($"ioapic.program {ioapic} {pin} 0x{vector:x2} cpu{cpu} level={level} low={activeLow} masked={masked}");

    public void SetIoApicPinMask(int ioapic, int pin, bool masked) => Calls.Add($"ioapic.mask {ioapic} {pin} {masked}");

    public void ProgramMsi(int device, int index, int vector, int cpu) => Calls.Add($"msi.program {device} {index} 0x{vector:x2} cpu{cpu}");

    public void SetMsiMask(int device, int index, bool masked) => Calls.Add($"msi.mask {device} {index} {masked}");

    public void SetPicMask(int isaIrq, bool masked) => Calls.Add($"pic.mask {isaIrq} {masked}");

    public void PicEoi(int isaIrq) => Calls.Add($"pic.eoi {isaIrq}");

    public bool PicInService(int isaIrq) => true;

    public void SetPicLevelTriggered(int isaIrq) => Calls.Add($"pic.elcr {isaIrq}");

    public bool DeviceAcknowledge(int device)
    {
        Calls.Add($"ack {device}");
        OnAcknowledge?.Invoke(device);
        return true;
    }

    public void SendIpi(int cpu, int vector) => Calls.Add($"ipi cpu{cpu} 0x{vector:x2}");

    public void HaltForever(int cpu) => Calls.Add($"halt cpu{cpu}");

    public void Log(int cpu, KernelLogLevel level, string text)
    {
        Logs.Add((cpu, level, text));
        Calls.Add($"log {text}");
    }

    public void Fault(int cpu, string kind)
    {
        Faults.Add((cpu, kind));
        Calls.Add($"fault {kind}");
    }
}
