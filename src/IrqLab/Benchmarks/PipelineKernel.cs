using IrqLab.Delivery;
using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using IrqLab.Kernel;

namespace IrqLab.Benchmarks;

/// <summary>
/// <c>pipeline.msi_to_eoi</c>: one interrupt's whole journey per operation. The device writes its MSI-X message; it is
/// decoded and routed by the <see cref="InterruptBus"/> to <see cref="LocalApic.Accept"/>; the CPU sees INTR, acknowledges
/// (IRR → ISR), takes the event through <see cref="FredDelivery.Deliver(CpuInterruptState, in CpuEvent, int, bool, in InterruptedContext, out FredFrame, CpuEvent?)"/>,
/// the kernel dispatches it (<see cref="KernelModel.ExternalInterrupt"/>, software route: <c>common_interrupt</c>, the
/// edge flow's ack is the APIC EOI) and ERETS pops the frame. No native counterpart.
/// </summary>
internal sealed class PipelineKernel : BenchKernel
{
    private static readonly InterruptedContext s_context = new(0xFFFF_FFFF_8100_1000, 0x10, 0x202, 0xFFFF_C900_0000_8000, 0x18);

    private readonly LocalApic _apic;
    private readonly InterruptBus _bus;
    private readonly PipelinePlatform _platform;
    private readonly KernelModel _model;
    private readonly FredDelivery _fred = new(FredConfig.Linux());
    private readonly CpuInterruptState _cpu = new() { If = true };
    private readonly int _irq;
    private long _delivered;

    public PipelineKernel(ulong seed, int length)
        : this(Setup(), seed, length)
    {
    }

    private PipelineKernel((LocalApic Apic, PipelinePlatform Platform, KernelModel Model, int Irq) setup, ulong seed, int length)
        : base("pipeline.msi_to_eoi", null, BenchSequence.Create(seed, length, [(byte)setup.Platform.MsiData]))
    {
        _apic = setup.Apic;
        _platform = setup.Platform;
        _model = setup.Model;
        _irq = setup.Irq;
        _bus = new InterruptBus([_apic]);
    }

    public override bool IsPipeline => true;

    /// <summary>Interrupts that went the whole way (delivered, dispatched, returned from).</summary>
    public long Delivered => _delivered;

    /// <summary>The APIC of the CPU.</summary>
    public LocalApic Apic => _apic;

    /// <summary>The CPU's gating state.</summary>
    public CpuInterruptState Cpu => _cpu;

    /// <summary>The platform under the kernel.</summary>
    public PipelinePlatform Platform => _platform;

    /// <summary>The model dispatched through.</summary>
    public KernelModel Model => _model;

    public override void Run(int iterations)
    {
        var apic = _apic;
        var bus = _bus;
        var model = _model;
        var fred = _fred;
        var cpu = _cpu;
        var vectors = Vectors;
        var address = _platform.MsiAddress;
        var dataHigh = _platform.MsiData & ~0xFFu;
        var delivered = _delivered;
        for (var it = 0; it < iterations; it++)
        {
            for (var i = 0; i < vectors.Length; i++)
            {
                bus.Deliver(DecodeMsi(address, dataHigh | vectors[i]));
                if (!apic.HasInterrupt || !cpu.CanTakeInterrupt)
                {
                    continue;
                }

                var v = apic.Acknowledge();
                var outcome = fred.Deliver(cpu, CpuEvent.Interrupt((byte)v), 0, false, s_context, out var frame);
                if (!outcome.IsDelivered)
                {
                    continue;
                }

                model.ExternalInterrupt(BenchModels.Cpu, v, EntryRoute.Software);
                fred.Erets(cpu, frame);
                delivered++;
            }
        }

        _delivered = delivered;
    }

    public override ulong Checksum()
    {
        var desc = _model.DescAt(_irq);
        var h = BenchChecksum.Init;
        h = BenchChecksum.Fold(h, (ulong)_delivered);
        h = BenchChecksum.Fold(h, desc?.Kstat(BenchModels.Cpu) ?? 0);
        h = BenchChecksum.Fold(h, _platform.DeviceAcks);
        h = BenchChecksum.Fold(h, (ulong)_apic.EoiCount);
        return BenchChecksum.Fold(h, (ulong)_cpu.FrameDepth);
    }

    /// <summary>
    /// Compatibility-format MSI (SDM Vol. 3A §11.11.1): address bits 19:12 destination ID, bit 2 destination mode; data
    /// bits 7:0 vector, 10:8 delivery mode, 14 level (assert), 15 trigger mode. Remappable and extended-ID formats are
    /// out of scope here: the benchmark device always writes the format the kernel composed.
    /// </summary>
    private static InterruptMessage DecodeMsi(ulong address, uint data)
    {
        var level = (data & 0x8000) != 0;
        return new InterruptMessage(
            (byte)data,
            (DeliveryMode)((data >> 8) & 7),
            (address & 0x4) != 0 ? DestinationMode.Logical : DestinationMode.Physical,
            (uint)((address >> 12) & 0xFF),
            level ? TriggerMode.Level : TriggerMode.Edge,
            !level || (data & 0x4000) != 0);
    }

    private static (LocalApic, PipelinePlatform, KernelModel, int) Setup()
    {
        var apic = new LocalApic(BenchModels.Cpu, 0, new BenchApicHost(), new LocalApicOptions { LinuxInit = true });
        var platform = new PipelinePlatform(apic);
        var model = BenchModels.Create(platform);
        var irq = BenchModels.RequestDevice(model);
        model.CompleteSetup();
        return (apic, platform, model, irq);
    }
}
