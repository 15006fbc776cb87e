using System.Globalization;
using IrqLab.Delivery;
using IrqLab.Vectors;

namespace IrqLab.Kernel.Entry;

/// <summary>
/// The IDT Linux builds (<c>arch/x86/kernel/idt.c</c>: <c>early_idts</c>, <c>def_idts</c>, <c>apic_idts</c>,
/// <c>idt_setup_apic_and_irq_gates</c>; shared/reference/linux-dispatch.md §1.1, §3.1). Every gate is a present
/// interrupt gate with selector <c>__KERNEL_CS</c>: exception gates (IST for #DF 1, NMI 2, #DB 3, #MC 4, #VC 5 —
/// <c>IST_INDEX_*</c> + 1), DPL 3 for #BP, #OF and INT 0x80; direct <c>asm_sysvec_*</c> gates for installed system
/// vectors; <c>irq_entries_start</c> stubs (→ <c>common_interrupt</c>) for the other vectors from FIRST_EXTERNAL_VECTOR
/// to FIRST_SYSTEM_VECTOR-1; <c>spurious_entries_start</c> stubs for system vectors nobody installed. Exception vectors
/// without a Linux handler keep the <c>early_idt_handler_array</c> gate set by <c>idt_setup_early_handler()</c>.
/// </summary>
/// <remarks>
/// Gate offsets are fake but deterministic: <see cref="StubBase"/> + region * 0x10000 + index * <see cref="IdtAlign"/>,
/// so <see cref="TargetOfGate(VectorLayout, GateDescriptor, Func{int, string?}, in EntryConfig)"/> can map any gate back.
/// </remarks>
public static class LinuxIdt
{
    /// <summary><c>__KERNEL_CS</c>.</summary>
    public const ushort KernelCs = 0x10;

    /// <summary><c>IDT_ALIGN</c> with IBT: 16 bytes per entry stub.</summary>
    public const int IdtAlign = 16;

    /// <summary>Base of the fake stub addresses.</summary>
    public const ulong StubBase = 0xFFFF_FFFF_81E0_0000;

    /// <summary>Handler name of exception vectors Linux leaves on the boot-time handler.</summary>
    public const string EarlyHandler = "early_idt_handler_array";

    private enum Region
    {
        Exception = 0,
        SystemVector = 1,
        IrqEntries = 2,
        SpuriousEntries = 3,
        Int80 = 4,
        Early = 5,
    }

    /// <summary>Builds the IDT with every guarded exception handler built in.</summary>
    public static Idt Build(VectorLayout layout, Func<int, bool> systemVectorInstalled, bool ia32Emulation)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(systemVectorInstalled);
        return Build(layout, HandlerLookup(layout, systemVectorInstalled), EntryConfig.AllHandlers(ia32Emulation));
    }

    /// <summary>
    /// Builds the IDT. <paramref name="systemVectorHandler"/> gives the installed <c>sysvec_*</c> handler of a system
    /// vector (or of IRQ_MOVE_CLEANUP_VECTOR), or null when none is installed.
    /// </summary>
    public static Idt Build(VectorLayout layout, Func<int, string?> systemVectorHandler, in EntryConfig config)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(systemVectorHandler);
        var idt = new Idt();
        for (var v = 0; v < VectorSpace.NrVectors; v++)
        {
            idt[v] = GateFor(layout, v, systemVectorHandler, config);
        }

        return idt;
    }

    /// <summary>The entry target of <paramref name="vector"/> with every guarded exception handler built in.</summary>
    public static EntryTarget TargetOf(VectorLayout layout, int vector, Func<int, bool> systemVectorInstalled, bool ia32Emulation)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(systemVectorInstalled);
        return TargetOf(layout, vector, null, systemVectorInstalled, EntryConfig.AllHandlers(ia32Emulation));
    }

    /// <summary>The entry target of <paramref name="vector"/>: what the gate Linux installs there leads to.</summary>
    public static EntryTarget TargetOf(VectorLayout layout, int vector, Func<int, string?> systemVectorHandler, in EntryConfig config)
    {
        ArgumentNullException.ThrowIfNull(systemVectorHandler);
        return TargetOf(layout, vector, systemVectorHandler, null, config);
    }

    private static EntryTarget TargetOf(
        VectorLayout layout, int vector, Func<int, string?>? handlerOf, Func<int, bool>? installed, in EntryConfig config)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (!VectorSpace.IsValid(vector))
        {
            throw new ArgumentOutOfRangeException(nameof(vector), vector, "vectors are 0..255");
        }

        if (vector < VectorSpace.FirstExternalVector)
        {
            var handler = config.ExceptionHandler(vector);
            return handler is null ? new(EntryTargetKind.Unhandled, EarlyHandler, vector)
                : vector == VectorSpace.NmiVector ? new(EntryTargetKind.Nmi, handler, vector)
                : new(EntryTargetKind.Exception, handler, vector);
        }

        if (vector == VectorSpace.Ia32SyscallVector && config.Ia32Emulation)
        {
            return new(EntryTargetKind.Syscall, Int80Handler(layout.Version), vector);
        }

        var isSystem = layout.IsSystemVector(vector);
        if (isSystem || vector == layout.MoveCleanupVector?.Vector)
        {
            var sysvec = handlerOf is not null ? handlerOf(vector)
                : installed!(vector) ? DefaultSystemVectorHandler(layout, vector) : null;
            if (sysvec is not null)
            {
                return new(EntryTargetKind.SystemVector, sysvec, vector);
            }

            if (isSystem)
            {
                return new(EntryTargetKind.Spurious, "spurious_interrupt", vector);
            }
        }

        return new(EntryTargetKind.CommonInterrupt, "common_interrupt", vector);
    }

    /// <summary>Maps a gate built by <see cref="Build(VectorLayout, Func{int, string?}, in EntryConfig)"/> back to its target (Unhandled "unknown" for foreign offsets).</summary>
    public static EntryTarget TargetOfGate(VectorLayout layout, GateDescriptor gate, Func<int, string?> systemVectorHandler, in EntryConfig config)
    {
        ArgumentNullException.ThrowIfNull(systemVectorHandler);
        return TargetOfGate(layout, gate, systemVectorHandler, null, config);
    }

    private static EntryTarget TargetOfGate(
        VectorLayout layout, GateDescriptor gate, Func<int, string?>? handlerOf, Func<int, bool>? installed, in EntryConfig config)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var delta = gate.Offset - StubBase;
        var region = (int)(delta >> 16);
        var index = (int)((delta & 0xFFFF) / IdtAlign);
        if (gate.Offset < StubBase || region > (int)Region.Early || (delta & (IdtAlign - 1)) != 0)
        {
            return new(EntryTargetKind.Unhandled, "unknown", -1);
        }

        switch ((Region)region)
        {
            case Region.IrqEntries:
                // The stub pushes its own vector; common_interrupt dispatches on it whatever gate points here.
                return new(EntryTargetKind.CommonInterrupt, "common_interrupt", VectorSpace.FirstExternalVector + index);
            case Region.SpuriousEntries:
                return new(EntryTargetKind.Spurious, "spurious_interrupt", layout.FirstSystemVector + index);
            case Region.Int80:
                return new(EntryTargetKind.Syscall, Int80Handler(layout.Version), VectorSpace.Ia32SyscallVector);
            case Region.Early:
                return new(EntryTargetKind.Unhandled, EarlyHandler, index);
            default:
                return TargetOf(layout, index, handlerOf, installed, config);
        }
    }

    /// <summary>As <see cref="TargetOfGate(VectorLayout, GateDescriptor, Func{int, string?}, in EntryConfig)"/>, with every guarded exception handler built in.</summary>
    public static EntryTarget TargetOfGate(VectorLayout layout, GateDescriptor gate, Func<int, bool> systemVectorInstalled, bool ia32Emulation)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(systemVectorInstalled);
        return TargetOfGate(layout, gate, null, systemVectorInstalled, EntryConfig.AllHandlers(ia32Emulation));
    }

    /// <summary>
    /// The canonical C handler behind the IDT's INT 0x80 gate (SCENARIOS.md §10: the C handler, not its asm wrapper):
    /// <c>do_int80_syscall_32</c>, which the <c>entry_INT80_compat</c> gate calls, in 6.1 and 6.6 (<c>def_idts</c> of
    /// arch/x86/kernel/idt.c at v6.6); <c>do_int80_emulation</c> in 6.9 and later. be5341eb0d43 "x86/entry: Convert INT
    /// 0x80 emulation to IDTENTRY" (6.7-rc5) made the C handler <c>int80_emulation</c>; 7390db8aea0d "x86/bhi: Add support
    /// for clearing branch history at syscall entry" (6.9-rc4) renamed it <c>do_int80_emulation</c> and made
    /// <c>int80_emulation</c> an asm stub in entry_64_compat.S (CLEAR_BRANCH_HISTORY, then a jump to it). Stable 6.1.y and
    /// 6.6.y took these later, which the release names here do not model. The run's IDT route and the vector table use it.
    /// </summary>
    public static string Int80Handler(KernelVersion version) =>
        version < KernelVersion.V6_9 ? "do_int80_syscall_32" : "do_int80_emulation";

    /// <summary>The handler name a system vector has when installed: its table handler, else its first runtime alternative.</summary>
    public static string DefaultSystemVectorHandler(VectorLayout layout, int vector)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var info = layout.GetSystemVector(vector);
        if (info?.Handler is { } handler)
        {
            return handler;
        }

        return info is { Alternatives.Length: > 0 }
            ? info.Alternatives[0].Handler
            : string.Create(CultureInfo.InvariantCulture, $"sysvec_vector_0x{vector:x2}");
    }

    private static Func<int, string?> HandlerLookup(VectorLayout layout, Func<int, bool> installed) =>
        v => installed(v) ? DefaultSystemVectorHandler(layout, v) : null;

    private static GateDescriptor GateFor(VectorLayout layout, int v, Func<int, string?> systemVectorHandler, in EntryConfig config)
    {
        var target = TargetOf(layout, v, systemVectorHandler, config);
        byte dpl = 0;
        byte ist = 0;
        ulong offset;
        switch (target.Kind)
        {
            case EntryTargetKind.Unhandled:
                offset = Address(Region.Early, v);
                break;
            case EntryTargetKind.Exception or EntryTargetKind.Nmi:
                offset = Address(Region.Exception, v);
                ist = IstOf(v);
                dpl = v is 3 or 4 ? (byte)3 : (byte)0;
                break;
            case EntryTargetKind.Syscall:
                offset = Address(Region.Int80, 0);
                dpl = 3;
                break;
            case EntryTargetKind.SystemVector:
                offset = Address(Region.SystemVector, v);
                break;
            case EntryTargetKind.Spurious:
                offset = Address(Region.SpuriousEntries, v - layout.FirstSystemVector);
                break;
            default:
                offset = Address(Region.IrqEntries, v - VectorSpace.FirstExternalVector);
                break;
        }

        return GateDescriptor.InterruptGate(offset, KernelCs, ist, dpl);
    }

    // IST_INDEX_DF 0, _NMI 1, _DB 2, _MCE 3, _VC 4 (asm/page_64_types.h); ISTG() stores index + 1.
    private static byte IstOf(int vector) => vector switch
    {
        8 => 1,
        2 => 2,
        1 => 3,
        18 => 4,
        29 => 5,
        _ => 0,
    };

    private static ulong Address(Region region, int index) => StubBase + ((ulong)region << 16) + (ulong)(index * IdtAlign);
}
