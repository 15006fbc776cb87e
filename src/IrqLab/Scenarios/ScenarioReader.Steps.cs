using IrqLab.Hardware;
using IrqLab.Scenarios.Model;
using IrqLab.Scenarios.Syntax;
using IrqLab.Vectors;

namespace IrqLab.Scenarios;

/// <summary>
/// <c>steps:</c> (SCENARIOS.md §7) and the handler actions of §6. At the top level a step's CPU (<c>cpu</c>,
/// <c>from</c>, <c>vcpu</c>) defaults to 0; inside a handler it defaults to null, the CPU running the handler.
/// </summary>
internal sealed partial class ScenarioReader
{
    private static readonly string[] s_stepOps =
        ["advance", "write", "read", "raise", "lower", "pulse", "ipi", "nmi", "exception", "cli", "sti", "install", "vm", "expect"];

    private static readonly string[] s_actionOps = ["advance", "write", "read", "raise", "lower", "pulse", "ipi"];
    private static readonly string[] s_actionWords = ["eoi", "sti", "cli"];
    private static readonly string[] s_cpuKeys = ["cpu"];
    private static readonly string[] s_deviceOpKeys = ["device", "vector_index"];
    private static readonly string[] s_ipiKeys = ["from", "to", "vector", "mode"];
    private static readonly string[] s_ipiDestinationKeys = ["logical", "physical"];
    private static readonly string[] s_ipiDestinationWords = ["self", "all", "all-but-self"];
    private static readonly string[] s_exceptionKeys = ["cpu", "vector", "error_code", "cr2"];
    private static readonly string[] s_installKeys = ["vector", "handler"];
    private static readonly string[] s_vmStepKeys = ["op", "vm", "vcpu", "type", "vector", "error_code"];

    private static readonly string[] s_injectTypes = ["ext_int", "nmi", "hw_exc", "sw_int", "priv_sw_exc", "sw_exc", "other"];

    private static readonly (string, DeliveryMode)[] s_ipiModes =
    [
        ("fixed", DeliveryMode.Fixed), ("lowest", DeliveryMode.LowestPriority), ("nmi", DeliveryMode.Nmi),
        ("init", DeliveryMode.Init), ("sipi", DeliveryMode.StartUp), ("smi", DeliveryMode.Smi),
    ];

    /// <summary>IA32_APIC_BASE; bit 10 (EXTD) switches the local APIC to x2APIC mode (SDM §11.12.1).</summary>
    private const ulong Ia32ApicBase = 0x1B;

    private const ulong ApicBaseExtd = 1UL << 10;

    private List<Step> ReadSteps(SyntaxNode node)
    {
        var items = List(node, "steps");
        var steps = new List<Step>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            steps.Add(ReadOperation(items[i], $"steps[{i}]", inHandler: false));
        }

        return steps;
    }

    private Step ReadOperation(SyntaxNode node, string path, bool inHandler)
    {
        if (node is ScalarNode { IsNull: false } word)
        {
            if (!inHandler)
            {
                var hint = word.Text is "cli" or "sti" ? $"; as a step write {{{word.Text}: {{cpu: N}}}}" : string.Empty;
                throw _errors.At(ErrorCodes.Type, node, $"expected a step like {{advance: 10us}} for {path}, got {word.Describe()}{hint}");
            }

            return word.Text switch
            {
                "eoi" => new EoiStep { Mark = word.Mark },
                "sti" => new InterruptFlagStep(true, null) { Mark = word.Mark },
                "cli" => new InterruptFlagStep(false, null) { Mark = word.Mark },
                _ => throw _errors.At(
                    ErrorCodes.UnknownName,
                    node,
                    $"unknown action '{word.Text}' for {path}{Hints.DidYouMean(word.Text, s_actionWords.Concat(s_actionOps))} (allowed: eoi, sti, cli, or one of {{{string.Join(", ", s_actionOps)}: ...}})"),
            };
        }

        if (node is not MappingNode)
        {
            throw _errors.At(ErrorCodes.Type, node, $"expected {(inHandler ? "an action like eoi or {advance: 1us}" : "a step like {advance: 10us}")} for {path}, got {node.Describe()}");
        }

        if (inHandler)
        {
            RejectStepFormInHandler((MappingNode)node, path);
        }

        var m = Map(node, path, inHandler ? s_actionOps : s_stepOps);
        if (m.Count == 0)
        {
            throw _errors.At(ErrorCodes.MissingKey, m.Mark, $"{path} is empty; a step has one operation ({string.Join(", ", inHandler ? s_actionOps : s_stepOps)})");
        }

        if (m.Count > 1)
        {
            throw _errors.At(
                ErrorCodes.Conflict,
                m.Node.Entries[1].Key,
                $"{path} has '{m.Node.Entries[0].Key.Text}' and '{m.Node.Entries[1].Key.Text}'; a step has exactly one operation (use one list item per operation)");
        }

        var (key, value) = (m.Node.Entries[0].Key, m.Node.Entries[0].Value);
        var opPath = m.PathOf(key.Text);
        Step step = key.Text switch
        {
            "advance" => new AdvanceStep(Duration(value, opPath)),
            "write" => ReadWrite(value, opPath, inHandler),
            "read" => ReadRead(value, opPath, inHandler),
            "raise" => ReadDeviceOp(LineOp.Raise, value, opPath),
            "lower" => ReadDeviceOp(LineOp.Lower, value, opPath),
            "pulse" => ReadDeviceOp(LineOp.Pulse, value, opPath),
            "ipi" => ReadIpi(value, opPath, inHandler),
            "nmi" => new NmiStep(StepCpu(Map(value, opPath, s_cpuKeys), inHandler: false) ?? 0),
            "exception" => ReadException(value, opPath),
            "cli" => new InterruptFlagStep(false, StepCpu(Map(value, opPath, s_cpuKeys), inHandler: false)),
            "sti" => new InterruptFlagStep(true, StepCpu(Map(value, opPath, s_cpuKeys), inHandler: false)),
            "install" => ReadInstall(key, value, opPath),
            "vm" => ReadVmStep(value, opPath),
            _ => ReadExpect(value, opPath),
        };
        return step with { Mark = m.Mark };
    }

    /// <summary>
    /// A handler action written in a step's form (SCENARIOS.md §6): <c>eoi</c>, <c>sti</c> and <c>cli</c> are plain words
    /// with no argument (they act on the handler's CPU), and <c>nmi</c>, <c>exception</c>, <c>install</c>, <c>vm</c> and
    /// <c>expect</c> are steps only. Said in those words at the key, rather than as an unknown key whose list of allowed
    /// keys leaves <c>eoi</c> out.
    /// </summary>
    private void RejectStepFormInHandler(MappingNode node, string path)
    {
        foreach (var (key, _) in node.Entries)
        {
            if (Array.IndexOf(s_actionWords, key.Text) >= 0)
            {
                throw _errors.At(
                    ErrorCodes.Type,
                    key,
                    $"{key.Text} in {path} takes no argument: write the action as a plain {key.Text} (it acts on the handler's CPU)");
            }

            if (Array.IndexOf(s_actionOps, key.Text) < 0 && Array.IndexOf(s_stepOps, key.Text) >= 0)
            {
                throw _errors.At(
                    ErrorCodes.UnknownKey,
                    key,
                    $"{key.Text} in {path} is a step, not a handler action (actions: eoi, sti, cli, or one of {{{string.Join(", ", s_actionOps)}: ...}})");
            }
        }
    }

    /// <summary>The <c>cpu</c> of a step: default 0 at the top level, null (the handler's CPU) in a handler.</summary>
    private int? StepCpu(MapReader m, bool inHandler, string key = "cpu") =>
        m.Get(key) is { } cpuNode ? Cpu(cpuNode, m.PathOf(key)) : inHandler ? null : 0;

    private WriteStep ReadWrite(SyntaxNode node, string path, bool inHandler)
    {
        var m = Map(node, path, ["cpu", "reg", "msr", "mmio", "port", "ioapic", "value"]);
        var target = ReadTarget(m, inHandler);
        var valueNode = m.Require("value");
        var value = UInt(valueNode, m.PathOf("value"), 0, MaxValue(target), hexBounds: true, note: $" ({WidthOf(target)}-bit register)");
        if (target.Kind == RegisterKind.Msr && target.Address == Ia32ApicBase && (value & ApicBaseExtd) != 0)
        {
            _enablesX2Apic = true;
        }

        return new WriteStep(target, value);
    }

    private ReadStep ReadRead(SyntaxNode node, string path, bool inHandler)
    {
        var m = Map(node, path, ["cpu", "reg", "msr", "mmio", "port", "ioapic", "as"]);
        var target = ReadTarget(m, inHandler);
        var name = String(m.Require("as"), m.PathOf("as"));
        var isList = target.Kind == RegisterKind.Named && ApicRegisterNames.ReadsAsList(target.Name!);
        _readNames[name] = _readNames.TryGetValue(name, out var before) && before != isList ? null : isList;
        _readMax[name] = Math.Max(_readMax.GetValueOrDefault(name), MaxValue(target));
        return new ReadStep(target, name);
    }

    private DeviceStep ReadDeviceOp(LineOp op, SyntaxNode node, string path)
    {
        SyntaxNode nameNode;
        SyntaxNode? indexNode = null;
        string indexPath = path + ".vector_index";
        if (node is MappingNode)
        {
            var m = Map(node, path, s_deviceOpKeys);
            nameNode = m.Require("device");
            indexNode = m.Get("vector_index");
        }
        else
        {
            nameNode = node;
        }

        var device = Device(nameNode, path);
        if (op == LineOp.Lower && device.Line is null)
        {
            throw _errors.At(ErrorCodes.Conflict, nameNode, $"device '{device.Name}' sends MSI messages; lower applies to wired lines only (use raise)");
        }

        var index = 0;
        if (indexNode is not null)
        {
            var count = MessageCount(device);
            index = Int(indexNode, indexPath, 0, count - 1, note: $" (device '{device.Name}' has {count} {(device.Line is null ? "message" : "line")}{(count == 1 ? string.Empty : "s")})");
        }

        return new DeviceStep(op, device.Name, index);
    }

    private DeviceSpec Device(SyntaxNode node, string path)
    {
        var name = String(node, path);
        if (_devices.TryGetValue(name, out var device))
        {
            return device;
        }

        var declared = _deviceList.Count == 0 ? "no devices are declared" : "declared: " + string.Join(", ", _devices.Keys);
        throw _errors.At(ErrorCodes.UnknownName, node, $"unknown device '{name}' in {path}{Hints.DidYouMean(name, _devices.Keys)} ({declared})");
    }

    private IpiStep ReadIpi(SyntaxNode node, string path, bool inHandler)
    {
        var m = Map(node, path, s_ipiKeys);
        var from = StepCpu(m, inHandler, "from");
        var mode = m.Get("mode") is { } modeNode ? Word(modeNode, m.PathOf("mode"), "IPI mode", s_ipiModes) : DeliveryMode.Fixed;
        var vector = 0;
        if (m.Get("vector") is { } vectorNode)
        {
            vector = Vector(vectorNode, m.PathOf("vector"));
        }
        else if (mode is DeliveryMode.Fixed or DeliveryMode.LowestPriority or DeliveryMode.StartUp)
        {
            throw _errors.At(ErrorCodes.MissingKey, m.Mark, $"missing required key 'vector' {m.In} (mode {Names(s_ipiModes, mode)} delivers a vector)");
        }

        var toNode = m.Require("to");
        var toPath = m.PathOf("to");
        IpiTargetKind kind;
        uint destination = 0;
        if (toNode is MappingNode)
        {
            var d = Map(toNode, toPath, s_ipiDestinationKeys);
            if (d.Count != 1)
            {
                throw d.Count == 0
                    ? _errors.At(ErrorCodes.MissingKey, d.Mark, $"{toPath} needs logical or physical, like {{logical: 0x3}} or {{physical: 0xFF}}")
                    : _errors.At(ErrorCodes.Conflict, d.Node.Entries[1].Key, $"{toPath} has both logical and physical; give one");
            }

            var (key, value) = (d.Node.Entries[0].Key.Text, d.Node.Entries[0].Value);
            kind = key == "logical" ? IpiTargetKind.Logical : IpiTargetKind.Physical;
            destination = (uint)UInt(value, d.PathOf(key), 0, uint.MaxValue, hexBounds: true);
            if (destination > 0xFF)
            {
                _x2ApicOnly.Add(_errors.At(
                    ErrorCodes.Range,
                    value,
                    $"{d.PathOf(key)} is 0x{destination:X} but xAPIC destinations are 8-bit (0x00..0xFF); machine.apic is xapic"));
            }
        }
        else if (toNode is ScalarNode { IsNull: false } number && TryParseNumber(number.Text, out _))
        {
            kind = IpiTargetKind.Cpu;

            // In a guest handler the number is a vCPU of the VM (its APIC ID; docs/simulation.md, "Guest handlers' actions").
            destination = _guestVcpus is { } n
                ? (uint)Int(toNode, toPath, 0, n - 1, note: $" (a vCPU of the VM, which has {n})")
                : (uint)Cpu(toNode, toPath);
        }
        else
        {
            // SCENARIOS.md §7 allows six forms of `to`; an error lists them all, not only the three words.
            var forms = $"{(_guestVcpus is { } n ? $"a vCPU number 0..{n - 1}" : $"a CPU number 0..{_machine.Cpus - 1}")}, self, all, all-but-self, {{logical: M}} or {{physical: ID}}";
            if (toNode is not ScalarNode { IsNull: false } word)
            {
                throw _errors.At(ErrorCodes.Type, toNode, $"expected an IPI destination ({forms}) for {toPath}, got {toNode.Describe()}");
            }

            kind = word.Text switch
            {
                "self" => IpiTargetKind.Self,
                "all" => IpiTargetKind.All,
                "all-but-self" => IpiTargetKind.AllButSelf,
                _ => throw _errors.At(
                    ErrorCodes.UnknownName,
                    toNode,
                    $"unknown IPI destination '{word.Text}' for {toPath}{Hints.DidYouMean(word.Text, s_ipiDestinationWords)} (expected {forms})"),
            };
        }

        return new IpiStep(from, kind, destination, vector, mode);
    }

    private static string Names<T>((string Name, T Value)[] options, T value)
    {
        foreach (var (name, v) in options)
        {
            if (EqualityComparer<T>.Default.Equals(v, value))
            {
                return name;
            }
        }

        return value?.ToString() ?? string.Empty;
    }

    private ExceptionStep ReadException(SyntaxNode node, string path)
    {
        var m = Map(node, path, s_exceptionKeys);
        var cpu = StepCpu(m, inHandler: false) ?? 0;
        var vectorNode = m.Require("vector");
        var vector = Int(vectorNode, m.PathOf("vector"), 0, 31, note: " (exception vectors)");
        var info = ExceptionTable.Get(vector);
        var label = info.Mnemonic.Length > 0 ? $"{vector} ({info.Mnemonic})" : vector.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ulong? errorCode = null;
        if (m.Get("error_code") is { } errorNode)
        {
            if (!info.HasErrorCode)
            {
                throw _errors.At(ErrorCodes.Conflict, m.KeyNode("error_code")!, $"exception {label} pushes no error code (SDM Table 6-1); remove error_code");
            }

            errorCode = UInt(errorNode, m.PathOf("error_code"), 0, uint.MaxValue, hexBounds: true);

            // SDM Vol. 3A 6.15: "The processor always pushes an error code of 0 onto the stack of the double-fault
            // handler"; #AC "generates an error code of 0".
            if (vector is 8 or 17 && errorCode != 0)
            {
                throw _errors.At(ErrorCodes.Range, errorNode, $"{m.PathOf("error_code")} must be 0: exception {label} always pushes error code 0 (SDM Vol. 3A 6.15), got 0x{errorCode.Value:X}");
            }
        }

        ulong? cr2 = null;
        if (m.Get("cr2") is { } cr2Node)
        {
            if (vector != 14)
            {
                throw _errors.At(ErrorCodes.Conflict, m.KeyNode("cr2")!, $"cr2 is set only by a page fault (vector 14), not by exception {label}");
            }

            cr2 = UInt(cr2Node, m.PathOf("cr2"), 0, ulong.MaxValue, hexBounds: true);
        }

        return new ExceptionStep(cpu, vector, errorCode, cr2);
    }

    private InstallStep ReadInstall(ScalarNode key, SyntaxNode node, string path)
    {
        if (_kernel.Mode != KernelMode.Linux)
        {
            throw _errors.At(ErrorCodes.Conflict, key, "install is a Linux system-vector install (sysvec_install); kernel.mode is bare");
        }

        var m = Map(node, path, s_installKeys);
        var vector = Vector(m.Require("vector"), m.PathOf("vector"));
        var handlerNode = m.Require("handler");
        var handler = String(handlerNode, m.PathOf("handler"));
        if (!IsCIdentifier(handler))
        {
            // sysvec_install(vector, function) takes a C function (it pastes asm_##function): nothing else names a handler.
            throw _errors.At(ErrorCodes.Type, handlerNode,
                $"{m.PathOf("handler")} must be a C function name (letters, digits and _, not starting with a digit), like sysvec_custom; got '{handler}'");
        }

        return new InstallStep(vector, handler);
    }

    /// <summary>An ASCII C identifier: <c>[A-Za-z_][A-Za-z0-9_]*</c>.</summary>
    private static bool IsCIdentifier(string s)
    {
        if (s.Length == 0 || char.IsAsciiDigit(s[0]))
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    private VmStep ReadVmStep(SyntaxNode node, string path)
    {
        var m = Map(node, path, s_vmStepKeys);
        var opNode = m.Require("op");
        var op = Word(opNode, m.PathOf("op"), "VM operation", [.. s_vmOps]);
        var vmNode = m.Require("vm");
        var vmName = String(vmNode, m.PathOf("vm"));
        if (!_vms.TryGetValue(vmName, out var vm))
        {
            var declared = _vms.Count == 0 ? "no VMs are declared in vms:" : "declared: " + string.Join(", ", _vms.Keys);
            throw _errors.At(ErrorCodes.UnknownName, vmNode, $"unknown VM '{vmName}' in {m.PathOf("vm")}{Hints.DidYouMean(vmName, _vms.Keys)} ({declared})");
        }

        var vcpu = m.Get("vcpu") is { } vcpuNode
            ? Int(vcpuNode, m.PathOf("vcpu"), 0, vm.VcpuCpus.Count - 1, note: $" (VM '{vm.Name}' has {vm.VcpuCpus.Count} vCPU{(vm.VcpuCpus.Count == 1 ? string.Empty : "s")})")
            : 0;

        string[] allowed = op switch
        {
            VmOp.Inject => ["type", "vector", "error_code"],
            VmOp.Post => ["vector"],
            _ => [],
        };
        foreach (var extra in m.Present("type", "vector", "error_code"))
        {
            if (!allowed.Contains(extra.Text))
            {
                throw _errors.At(ErrorCodes.Conflict, extra, $"'{extra.Text}' does not apply to vm op {Names(s_vmOps, op)} (it takes: op, vm, vcpu{(allowed.Length > 0 ? ", " + string.Join(", ", allowed) : string.Empty)})");
            }
        }

        string? type = null;
        int? vector = null;
        ulong? errorCode = null;
        if (op == VmOp.Inject)
        {
            var typeNode = m.Require("type");
            type = Word(typeNode, m.PathOf("type"), "event type", [.. s_injectTypes.Select(t => (t, t))]);
            if (m.Get("vector") is { } vectorNode)
            {
                vector = Vector(vectorNode, m.PathOf("vector"));
            }
            else if (type == "nmi")
            {
                vector = VectorSpace.NmiVector;
            }
            else
            {
                throw _errors.At(ErrorCodes.MissingKey, m.Mark, $"missing required key 'vector' {m.In} (inject of type {type})");
            }

            if (m.Get("error_code") is { } errorNode)
            {
                errorCode = UInt(errorNode, m.PathOf("error_code"), 0, uint.MaxValue, hexBounds: true);
            }
        }
        else if (op == VmOp.Post)
        {
            // A posted interrupt is a fixed interrupt for the guest's APIC, whose legal vectors are 16..255 (SDM Vol. 3A
            // 11.5.2: 0-15 are an illegal vector). Inject keeps 0..255: exceptions 0-31 are legal there, and the VM-entry
            // checks on the event-injection field (SDM Vol. 3C, reference x86-events.md §8.6) decide the rest at run time.
            vector = Vector(m.Require("vector"), m.PathOf("vector"), min: FirstApicVector, note: " (vectors 0-15 are illegal for APIC delivery)");
        }

        TrackVmSequence(op, vm, vcpu, opNode, m.PathOf("op"));
        return new VmStep(op, vm.Name, vcpu, type, vector, errorCode);
    }

    private static readonly (string, VmOp)[] s_vmOps =
        [("enter", VmOp.Enter), ("exit", VmOp.Exit), ("inject", VmOp.Inject), ("post", VmOp.Post), ("nmi", VmOp.Nmi)];
}
