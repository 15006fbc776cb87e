using System.Globalization;
using IrqLab.Delivery;
using IrqLab.Kernel.Entry;
using IrqLab.Kernel.Sysvec;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;

namespace IrqLab.Kernel;

/// <summary>Builds the 256-entry vector table printed by <c>irqlab vectors</c>.</summary>
public static class KernelVectorTable
{
    /// <summary>The table of a version / variant / delivery / config as it stands after boot (no runtime installs).</summary>
    public static IReadOnlyList<VectorTableEntry> Build(KernelVersion version, KernelVariant variant, DeliveryKind delivery, IReadOnlyDictionary<string, bool> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var options = new KernelOptions(version, variant, delivery, false, config, 1, [], true);
        var layout = VectorLayout.For(version, options.IsEnabled("X86_LOCAL_APIC"));
        var table = new SystemVectorTable(layout, variant, config);
        table.Seal();
        return Build(layout, table, options);
    }

    /// <summary>
    /// The table for a given system vector table: exceptions from <see cref="ExceptionTable"/>; system slots show the handler
    /// in the slot (the variant's spurious handler when the option is off or nothing was installed) and that handler's row,
    /// and the vector's constant only where this build defines it (<see cref="SystemVectorInfo.NameConfig"/>).
    /// </summary>
    public static IReadOnlyList<VectorTableEntry> Build(VectorLayout layout, SystemVectorTable table, KernelOptions options)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        var ia32 = options.IsEnabled("IA32_EMULATION");
        var list = new List<VectorTableEntry>(VectorSpace.NrVectors);
        for (var v = 0; v < VectorSpace.NrVectors; v++)
        {
            var kind = layout.KindOf(v, ia32);
            list.Add(kind switch
            {
                VectorKind.Exception => ExceptionEntry(v, options),
                VectorKind.System => SystemEntry(v, layout, table, options),
                VectorKind.Cleanup => new VectorTableEntry(v, layout.MoveCleanupVector!.Name, kind,
                    options.IsEnabled("SMP") ? layout.MoveCleanupVector.Handler : "common_interrupt", layout.MoveCleanupVector.Config, null),
                VectorKind.Syscall => new VectorTableEntry(v, "IA32_SYSCALL_VECTOR", kind,
                    Int80Handler(options), "IA32_EMULATION", null),
                VectorKind.Isa => new VectorTableEntry(v, string.Create(CultureInfo.InvariantCulture, $"ISA_IRQ_VECTOR({v - VectorSpace.IsaIrqVectorBase})"), kind, "common_interrupt", null, null),
                _ => new VectorTableEntry(v, null, kind, "common_interrupt", null, null),
            });
        }

        return list;

        // INT $0x80: the IDT gate's C handler (LinuxIdt.Int80Handler); under mainline FRED (6.9+), fred_intx()'s
        // int80_emulation (DEFINE_FREDENTRY_RAW). The 2022 series' fred_intx() called do_int80_syscall_32 itself.
        static string Int80Handler(KernelOptions o) =>
            o.Delivery == DeliveryKind.Fred && o.Version >= KernelVersion.V6_9 ? "int80_emulation" : LinuxIdt.Int80Handler(o.Version);
    }

    private static VectorTableEntry ExceptionEntry(int v, KernelOptions options)
    {
        var info = ExceptionTable.Get(v);
        var entry = EntryConfig.FromKconfig(options.IsEnabled, options.Version);
        var handler = entry.ExceptionHandler(v);

        // Under FRED an exception reaches its handler only through the version's fred_hwexc() switch (entry_fred.c): a
        // vector it has no case for is fred_bad_type() whatever the option, as KernelModel.Exception dispatches it
        // (#VC on 6.9 and 6.10, FredEntry.HasFredVcCase).
        if (handler is not null && v != VectorSpace.NmiVector && options.Delivery == DeliveryKind.Fred)
        {
            var type = v is 3 or 4 ? EventType.SoftwareException : EventType.HardwareException;
            if (FredEntry.Route(new CpuEvent(type, (byte)v, 0), false, entry, longMode: true, options.Version).Kind == EntryTargetKind.BadType)
            {
                handler = null;
            }
        }

        string? row = v == VectorSpace.NmiVector ? "NMI" : v == 18 && handler is not null ? "MCE" : null;
        return new VectorTableEntry(v, info.TrapName, VectorKind.Exception, handler, ExceptionTable.LinuxConfig(v, options.Version), row);
    }

    private static VectorTableEntry SystemEntry(int v, VectorLayout layout, SystemVectorTable table, KernelOptions options)
    {
        var info = layout.GetSystemVector(v);

        // A constant irq_vectors.h defines only under a Kconfig option (POSTED_INTR_* up to 6.8, HYPERV_*) names nothing
        // in a build without it.
        var name = info?.NameConfig is { } nameConfig && !options.IsEnabled(nameConfig) ? null : info?.Name;
        var handler = table.IsFilled(v) ? table.ForVector(v) : table.SpuriousHandler;
        var config = info?.Config;
        if (config is null && info is not null && !info.Alternatives.IsDefaultOrEmpty)
        {
            foreach (var (c, h) in info.Alternatives)
            {
                if (h == handler.Name)
                {
                    config = c;
                }
            }
        }

        return new VectorTableEntry(v, name, VectorKind.System, handler.Name, config, handler.Row);
    }
}
