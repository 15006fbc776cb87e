using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;

namespace IrqLab.Tests.Kernel;

/// <summary>Builders for kernel tests.</summary>
public static class K
{
    public static Dictionary<string, bool> Config(params (string Name, bool On)[] overrides)
    {
        var c = KconfigDefaults.Create();
        foreach (var (n, on) in overrides)
        {
            c[n] = on;
        }

        return c;
    }

    public static KernelOptions Options(
        KernelVersion version = KernelVersion.Latest,
        KernelVariant variant = KernelVariant.Mainline,
        DeliveryKind delivery = DeliveryKind.Idt,
        bool cfi = false,
        int cpus = 2,
        int[]? ioapics = null,
        bool pic = true,
        Dictionary<string, bool>? config = null) =>
        new(version, variant, delivery, cfi, config ?? Config(), cpus, ioapics ?? [24], pic);

    public static KernelModel Model(out FakePlatform platform, KernelOptions? options = null)
    {
        platform = new FakePlatform();
        return new KernelModel(options ?? Options(), platform);
    }

    public static DeviceRequest Pin(int device, string name, int pin, bool level = false, bool shared = false,
        HandlerReturn returns = HandlerReturn.Handled, long cost = 0, bool activeLow = false, int[]? affinity = null) =>
        new(device, name, DeviceLineKind.IoApicPin, 0, pin, -1, level, activeLow, shared, 1, affinity ?? [], returns, cost);

    public static DeviceRequest Isa(int device, string name, int isa, HandlerReturn returns = HandlerReturn.Handled, bool shared = false) =>
        new(device, name, DeviceLineKind.Isa, 0, 0, isa, false, false, shared, 1, [], returns, 0);

    public static DeviceRequest MsiX(int device, string name, int vectors, int[]? affinity = null, HandlerReturn returns = HandlerReturn.Handled, long cost = 0) =>
        new(device, name, DeviceLineKind.MsiX, 0, 0, -1, false, false, false, vectors, affinity ?? [], returns, cost);

    public static DeviceRequest Msi(int device, string name, int vectors = 1) =>
        new(device, name, DeviceLineKind.Msi, 0, 0, -1, false, false, false, vectors, [], HandlerReturn.Handled, 0);
}
