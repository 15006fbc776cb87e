using IrqLab.Hardware.IoApic;
using IrqLab.Scenarios.Model;
using IrqLab.Scenarios.Syntax;
using IrqLab.Vectors;

namespace IrqLab.Scenarios;

/// <summary>
/// Walks the format-neutral tree of one scenario file and builds the validated <see cref="Scenario"/>
/// (SCENARIOS.md §2-§9). Sections are read in dependency order (kernel, machine, devices, vms, handlers, workload,
/// steps, run) so every reference can be resolved where it is written.
/// </summary>
internal sealed partial class ScenarioReader
{
    private static readonly string[] s_topKeys =
        ["irqlab", "name", "description", "seed", "kernel", "machine", "devices", "handlers", "vms", "workload", "steps", "run"];

    private readonly ErrorFactory _errors;
    private KernelSpec _kernel = new();
    private MachineSpec _machine = new();
    private VectorLayout _layout = VectorLayout.For(KernelVersion.Latest);
    private readonly List<DeviceSpec> _deviceList = [];
    private readonly Dictionary<string, DeviceSpec> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VmSpec> _vms = new(StringComparer.Ordinal);

    // Names recorded by `read ... as:`; value: true when the read yields a list (apic.isr/.tmr/.irr), null when mixed.
    private readonly Dictionary<string, bool?> _readNames = new(StringComparer.Ordinal);

    // The largest value a read recorded under that name can hold: the widest of its registers.
    private readonly Dictionary<string, ulong> _readMax = new(StringComparer.Ordinal);

    // x2APIC-only accesses found in an xAPIC machine; fatal unless the scenario switches to x2APIC (IA32_APIC_BASE.EXTD).
    private readonly List<ScenarioException> _x2ApicOnly = [];
    private bool _enablesX2Apic;

    // While a VM's handlers are read: its vCPU count, the range of an `ipi` action's `to` (a vCPU index in a guest).
    private int? _guestVcpus;

    private ScenarioReader(ErrorFactory errors) => _errors = errors;

    /// <summary>Builds the scenario from <paramref name="root"/> (null for an empty document).</summary>
    public static Scenario Build(SyntaxNode? root, ErrorFactory errors) => new ScenarioReader(errors).Build(root);

    private Scenario Build(SyntaxNode? root)
    {
        if (root is null)
        {
            throw _errors.At(ErrorCodes.MissingKey, new SourceMark(1, 1), "the file is empty; expected a mapping with at least 'irqlab: 1' and 'name'");
        }

        if (root is not MappingNode)
        {
            throw _errors.At(ErrorCodes.Type, root, $"expected a mapping at the top level (irqlab, name, ...), got {root.Describe()}");
        }

        var top = Map(root, string.Empty, s_topKeys);
        var schema = top.Require("irqlab");
        if (UInt(schema, "irqlab", 0, ulong.MaxValue) != 1)
        {
            throw _errors.At(ErrorCodes.Range, schema, $"unsupported schema version irqlab: {((ScalarNode)schema).Text}; this version of IrqLab reads irqlab: 1");
        }

        var name = String(top.Require("name"), "name");

        var description = top.Get("description") is { } d ? Scalar(d, "description", "a string").Text : null;
        var seed = top.Get("seed") is { } seedNode ? UInt(seedNode, "seed", 0, ulong.MaxValue) : 1UL;

        if (top.Get("kernel") is { } kernelNode)
        {
            _kernel = ReadKernel(kernelNode);
        }

        _layout = VectorLayout.For(_kernel.Version);
        if (top.Get("machine") is { } machineNode)
        {
            _machine = ReadMachine(machineNode);
        }

        if (top.Get("devices") is { } devicesNode)
        {
            ReadDevices(devicesNode);
        }

        var vms = top.Get("vms") is { } vmsNode ? ReadVms(top.KeyNode("vms")!, vmsNode) : [];
        var handlers = top.Get("handlers") is { } handlersNode ? ReadTopHandlers(top.KeyNode("handlers")!, handlersNode) : [];
        var workload = top.Get("workload") is { } workloadNode ? ReadWorkload(workloadNode) : [];
        var steps = top.Get("steps") is { } stepsNode ? ReadSteps(stepsNode) : [];
        long? until = top.Get("run") is { } runNode ? ReadRun(runNode) : null;

        if (_machine.Apic == ApicMode.XApic && !_enablesX2Apic && _x2ApicOnly.Count > 0)
        {
            throw _x2ApicOnly[0];
        }

        return new Scenario
        {
            File = _errors.File,
            SchemaVersion = 1,
            Name = name,
            Description = description,
            Seed = seed,
            Kernel = _kernel,
            Machine = _machine,
            Devices = _deviceList,
            Handlers = handlers,
            Vms = vms,
            Workload = workload,
            Steps = steps,
            RunUntilNs = until,
        };
    }

    private static readonly string[] s_kernelKeys = ["mode", "version", "variant", "delivery", "cfi", "config"];

    /// <summary>
    /// "Did you mean" for a kernel version written as a user would write a release rather than as the list does:
    /// another case (<c>LATEST</c>), a <c>v</c> prefix or blanks (<c>v6.10</c>), a stable patch level (<c>6.10.3</c>).
    /// An edit-distance hint is not given: <c>6.2</c> is not a misspelling of <c>6.1</c>.
    /// </summary>
    private KernelSpec ReadKernel(SyntaxNode node)
    {
        var m = Map(node, "kernel", s_kernelKeys);
        var mode = m.Get("mode") is { } modeNode
            ? Word(modeNode, "kernel.mode", "kernel mode", ("linux", KernelMode.Linux), ("bare", KernelMode.Bare))
            : KernelMode.Linux;
        var version = KernelVersion.Latest;
        if (m.Get("version") is { } versionNode)
        {
            // The scalar's raw text: an unquoted 6.10 is "6.10", not the float 6.1.
            var text = Scalar(versionNode, "kernel.version", "a kernel version").Text;
            if (!KernelVersions.TryParse(text, out var parsed))
            {
                throw _errors.At(
                    ErrorCodes.UnknownName,
                    versionNode,
                    $"unknown kernel version '{text}' for kernel.version{KernelVersions.DidYouMean(text)} (expected one of: {string.Join(", ", KernelVersions.Names)})");
            }

            version = parsed.Value;
        }

        var variant = m.Get("variant") is { } variantNode
            ? Word(variantNode, "kernel.variant", "kernel variant", ("mainline", KernelVariant.Mainline), ("rfc-2022", KernelVariant.Rfc2022))
            : KernelVariant.Mainline;
        var delivery = DeliveryKind.Idt;
        if (m.Get("delivery") is { } deliveryNode)
        {
            delivery = Word(deliveryNode, "kernel.delivery", "delivery", ("idt", DeliveryKind.Idt), ("fred", DeliveryKind.Fred));
            if (KernelSpec.DeliveryConflict(version, variant, delivery) is { } conflict)
            {
                throw _errors.At(ErrorCodes.Conflict, deliveryNode, $"delivery 'fred' {conflict}");
            }
        }

        var cfi = m.Get("cfi") is { } cfiNode && Bool(cfiNode, "kernel.cfi");
        var config = KconfigDefaults.Create();
        if (m.Get("config") is { } configNode)
        {
            var options = KconfigDefaults.All.ToArray();
            var c = Map(configNode, "kernel.config", options);
            foreach (var entry in c.Node.Entries)
            {
                config[entry.Key.Text] = Bool(entry.Value, "kernel.config." + entry.Key.Text);
            }
        }

        return new KernelSpec
        {
            Mode = mode,
            Version = version,
            Variant = variant,
            Delivery = delivery,
            Cfi = cfi,
            Config = config,
            Mark = m.Mark,
        };
    }

    private static readonly string[] s_machineKeys = ["cpus", "apic", "apic_timer_hz", "tsc_hz", "ioapics", "pic", "nmi_watchdog"];
    private static readonly string[] s_ioApicKeys = ["id", "pins"];

    /// <summary>Largest CPU count (SCENARIOS.md §4).</summary>
    public const int MaxCpus = 4096;

    /// <summary>Most CPUs an xAPIC machine can address: 8-bit APIC IDs, 0xFF is the broadcast ID.</summary>
    public const int MaxXApicCpus = 255;

    /// <summary>
    /// Most IOAPIC pins: IOREGSEL is an 8-bit register index and redirection entry n occupies registers
    /// 0x10+2n and 0x11+2n (82093AA datasheet §3.0), so n is at most 119.
    /// </summary>
    public const int MaxIoApicPins = 120;

    /// <summary>Largest clock frequency accepted for apic_timer_hz and tsc_hz (1 THz).</summary>
    public const long MaxHz = 1_000_000_000_000;

    private MachineSpec ReadMachine(SyntaxNode node)
    {
        var m = Map(node, "machine", s_machineKeys);
        var cpusNode = m.Get("cpus");
        var cpus = cpusNode is not null ? Int(cpusNode, "machine.cpus", 1, MaxCpus) : 1;

        // Without an explicit apic, a machine whose APIC IDs do not fit in 8 bits boots in x2APIC mode, as firmware
        // must for more than 255 CPUs (SDM §11.12.8: x2APIC IDs are 32-bit).
        var apic = m.Get("apic") is { } apicNode
            ? Word(apicNode, "machine.apic", "APIC mode", ("xapic", ApicMode.XApic), ("x2apic", ApicMode.X2Apic))
            : cpus > MaxXApicCpus ? ApicMode.X2Apic : ApicMode.XApic;
        if (cpusNode is not null)
        {
            if (apic == ApicMode.XApic && cpus > MaxXApicCpus)
            {
                throw _errors.At(
                    ErrorCodes.Conflict,
                    cpusNode,
                    $"machine.cpus is {cpus} but xAPIC IDs are 8-bit (at most {MaxXApicCpus} CPUs; 0xFF is broadcast); use apic: x2apic");
            }
        }

        var ioApics = new List<IoApicSpec>();
        if (m.Get("ioapics") is { } ioApicsNode)
        {
            var items = List(ioApicsNode, "machine.ioapics");
            var ids = new Dictionary<int, SourceMark>();
            var entries = new List<(MapReader Map, int? Id)>();
            for (var i = 0; i < items.Count; i++)
            {
                var path = $"machine.ioapics[{i}]";
                var e = Map(items[i], path, s_ioApicKeys);
                int? id = null;
                if (e.Get("id") is { } idNode)
                {
                    // IOAPICID bits 27:24: a 4-bit ID (the model's IoApic holds the same range).
                    id = Int(idNode, path + ".id", 0, IoApic.MaxId);
                    if (!ids.TryAdd(id.Value, idNode.Mark))
                    {
                        throw _errors.At(ErrorCodes.Duplicate, idNode, $"duplicate IOAPIC id {id} (first at {ids[id.Value]})");
                    }
                }

                entries.Add((e, id));
            }

            for (var i = 0; i < entries.Count; i++)
            {
                var (e, id) = entries[i];
                var path = $"machine.ioapics[{i}]";
                if (id is null)
                {
                    // SCENARIOS.md §4 does not make `id` required (docs/kernel.md writes `ioapics: [{pins: 8}]`): an entry
                    // without one takes the lowest ID no entry names, so `[{pins: 24}, {pins: 8}]` gets IDs 0 and 1.
                    var free = 0;
                    while (free <= IoApic.MaxId && ids.ContainsKey(free))
                    {
                        free++;
                    }

                    if (free > IoApic.MaxId)
                    {
                        throw _errors.At(ErrorCodes.Range, e.Mark, $"{path} has no id and IOAPIC ids 0..{IoApic.MaxId} (the 4-bit IOAPICID) are all taken; at most {IoApic.MaxId + 1} IOAPICs");
                    }

                    ids.Add(free, e.Mark);
                    id = free;
                }

                var pins = e.Get("pins") is { } pinsNode ? Int(pinsNode, path + ".pins", 1, MaxIoApicPins) : 24;
                ioApics.Add(new IoApicSpec { Id = id.Value, Pins = pins, Mark = e.Mark });
            }
        }
        else
        {
            ioApics.Add(new IoApicSpec { Id = 0, Pins = 24, Mark = m.Mark });
        }

        return new MachineSpec
        {
            Cpus = cpus,
            Apic = apic,
            ApicTimerHz = m.Get("apic_timer_hz") is { } timerNode ? (long)UInt(timerNode, "machine.apic_timer_hz", 1, MaxHz) : 1_000_000_000,
            TscHz = m.Get("tsc_hz") is { } tscNode ? (long)UInt(tscNode, "machine.tsc_hz", 1, MaxHz) : 1_000_000_000,
            IoApics = ioApics,
            Pic = m.Get("pic") is not { } picNode || Bool(picNode, "machine.pic"),
            NmiWatchdog = m.Get("nmi_watchdog") is { } wdNode && Bool(wdNode, "machine.nmi_watchdog"),
            Mark = m.Mark,
        };
    }

    /// <summary>Letters only: a word where <c>run.until</c> takes <c>idle</c> (a duration starts with a digit or a sign).</summary>
    private static bool IsWord(string text) => text.Length > 0 && text.All(char.IsAsciiLetter);

    private long? ReadRun(SyntaxNode node)
    {
        var m = Map(node, "run", ["until"]);
        return m.Get("until") switch
        {
            null => null,
            ScalarNode { Text: "idle" } => null, // the default spelled out
            ScalarNode word when IsWord(word.Text) => throw _errors.At(
                ErrorCodes.UnknownName,
                word,
                $"unknown word '{word.Text}' for run.until{Hints.DidYouMean(word.Text, ["idle"])} (expected idle or a duration like '10ms')"),
            { } untilNode => Duration(untilNode, "run.until", alsoWord: "idle"),
        };
    }
}
