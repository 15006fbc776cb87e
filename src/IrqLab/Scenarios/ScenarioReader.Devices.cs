using IrqLab.Hardware;
using IrqLab.Hardware.Msi;
using IrqLab.Scenarios.Model;
using IrqLab.Scenarios.Syntax;
using IrqLab.Vectors;

namespace IrqLab.Scenarios;

/// <summary>The <c>devices:</c> section (SCENARIOS.md §5).</summary>
internal sealed partial class ScenarioReader
{
    private static readonly string[] s_deviceKeys = ["name", "line", "msi", "msix", "shared", "handler"];
    private static readonly string[] s_lineKeys = ["ioapic", "pin", "isa", "trigger", "polarity"];
    private static readonly string[] s_handlerKeys = ["returns", "cost"];
    private static readonly string[] s_msiKeys = ["vectors", "affinity", "address", "data"];

    /// <summary>Most MSI-X table entries (PCI: Table Size is 11 bits, N-1 encoded).</summary>
    public const int MaxMsixVectors = 2048;

    /// <summary>Most multi-message MSI vectors (PCI: Multiple Message Capable up to 32, a power of 2).</summary>
    public const int MaxMsiVectors = 32;

    private void ReadDevices(SyntaxNode node)
    {
        var items = List(node, "devices");
        var lineUsers = new Dictionary<(int IoApic, int Pin, int Isa), DeviceSpec>();
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"devices[{i}]";
            var m = Map(items[i], path, s_deviceKeys);
            var nameNode = m.Require("name");
            var name = String(nameNode, path + ".name");
            if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsControl))
            {
                // The name is the irq action's: /proc/interrupts and the ftrace file print it inside one line
                // (kernel/irq/proc.c, irq_handler_entry "irq=%d name=%s"), so a line break would split the line and a blank
                // name leaves nothing to read back (irqlab replay).
                throw _errors.At(
                    ErrorCodes.Type,
                    nameNode,
                    $"expected a device name with a visible character and no control character (a tab or line break) for {path}.name: it is printed in /proc/interrupts and trace lines");
            }

            if (_devices.TryGetValue(name, out var first))
            {
                throw _errors.At(ErrorCodes.Duplicate, nameNode, $"duplicate device name '{name}' (first declared at {first.Mark})");
            }

            var kinds = m.Present("line", "msi", "msix");
            if (kinds.Count == 0)
            {
                throw _errors.At(ErrorCodes.MissingKey, m.Mark, $"device '{name}' needs one of line, msi, msix {m.In}");
            }

            if (kinds.Count > 1)
            {
                throw _errors.At(
                    ErrorCodes.Conflict,
                    kinds[1],
                    $"device '{name}' has both {kinds[0].Text} and {kinds[1].Text}; give exactly one of line, msi, msix");
            }

            var line = m.Get("line") is { } lineNode ? ReadLine(lineNode, path + ".line") : null;
            var msi = m.Get("msi") is { } msiNode ? ReadMsi(msiNode, path + ".msi", msix: false) : null;
            var msix = m.Get("msix") is { } msixNode ? ReadMsi(msixNode, path + ".msix", msix: true) : null;
            var shared = false;
            if (m.Get("shared") is { } sharedNode)
            {
                shared = Bool(sharedNode, path + ".shared");
                if (shared && line is null)
                {
                    throw _errors.At(ErrorCodes.Conflict, sharedNode, $"device '{name}' uses {kinds[0].Text}; only wired level-triggered lines can be shared");
                }

                if (shared && line!.Trigger != TriggerMode.Level)
                {
                    throw _errors.At(ErrorCodes.Conflict, sharedNode, $"device '{name}' has an edge-triggered line; only level-triggered lines can be shared (set trigger: level)");
                }
            }

            var handler = new DeviceHandlerSpec();
            if (m.Get("handler") is { } handlerNode)
            {
                var h = Map(handlerNode, path + ".handler", s_handlerKeys);
                handler = new DeviceHandlerSpec
                {
                    Returns = h.Get("returns") is { } returnsNode
                        ? Word(returnsNode, h.PathOf("returns"), "handler return", ("handled", HandlerReturn.Handled), ("none", HandlerReturn.None), ("wake_thread", HandlerReturn.WakeThread))
                        : HandlerReturn.Handled,
                    CostNs = h.Get("cost") is { } costNode ? Duration(costNode, h.PathOf("cost")) : 0,
                };
            }

            var device = new DeviceSpec
            {
                Name = name,
                Line = line,
                Shared = shared,
                Handler = handler,
                Msi = msi,
                Msix = msix,
                Mark = m.Mark,
            };
            if (line is not null)
            {
                CheckSharing(lineUsers, device, line);
            }

            _devices.Add(name, device);
            _deviceList.Add(device);
        }
    }

    private void CheckSharing(Dictionary<(int IoApic, int Pin, int Isa), DeviceSpec> users, DeviceSpec device, LineSpec line)
    {
        var key = line.Isa is { } isa ? (-1, -1, isa) : (line.IoApic ?? 0, line.Pin, -1);
        if (!users.TryGetValue(key, out var other))
        {
            users.Add(key, device);
            return;
        }

        var where = line.Isa is { } irq ? $"ISA IRQ {irq}" : $"IOAPIC {line.IoApic} pin {line.Pin}";
        if (!device.Shared || !other.Shared)
        {
            var notShared = !other.Shared ? other.Name : device.Name;
            throw _errors.At(
                ErrorCodes.Conflict,
                line.Mark,
                $"devices '{other.Name}' and '{device.Name}' both use {where}; all devices on a line must set shared: true (level-triggered), but '{notShared}' does not");
        }

        if (other.Line!.Polarity != line.Polarity)
        {
            throw _errors.At(
                ErrorCodes.Conflict,
                line.Mark,
                $"devices '{other.Name}' and '{device.Name}' share {where} but their polarity differs");
        }
    }

    private LineSpec ReadLine(SyntaxNode node, string path)
    {
        var m = Map(node, path, s_lineKeys);
        var trigger = m.Get("trigger") is { } triggerNode
            ? Word(triggerNode, m.PathOf("trigger"), "trigger", ("edge", TriggerMode.Edge), ("level", TriggerMode.Level))
            : TriggerMode.Edge;
        var polarity = m.Get("polarity") is { } polarityNode
            ? Word(polarityNode, m.PathOf("polarity"), "polarity", ("high", Polarity.High), ("low", Polarity.Low))
            : Polarity.High;
        if (m.Get("isa") is { } isaNode)
        {
            if (m.Present("ioapic", "pin") is { Count: > 0 } both)
            {
                throw _errors.At(ErrorCodes.Conflict, both[0], $"{path} gives both isa and {both[0].Text}; use {{isa: N}} or {{ioapic: I, pin: P}}");
            }

            var isa = Int(isaNode, m.PathOf("isa"), 0, 15);
            if (!_machine.Pic && _machine.IoApics.Count == 0)
            {
                throw _errors.At(ErrorCodes.Conflict, isaNode, "an ISA IRQ needs the 8259 (machine.pic) or an IOAPIC, and the machine has neither");
            }

            // The PC wiring (MADT interrupt source override): ISA IRQ 0 is IOAPIC 0 pin 2, IRQ n is pin n.
            var isaPin = VectorSpace.IsaIrqGsi(isa);
            if (_machine.IoApics.Count > 0 && isaPin >= _machine.IoApics[0].Pins)
            {
                throw _errors.At(
                    ErrorCodes.Conflict,
                    isaNode,
                    $"ISA IRQ {isa} is wired to IOAPIC 0 pin {isaPin}, but IOAPIC 0 has {_machine.IoApics[0].Pins} pins (machine.ioapics[0].pins); give it at least {isaPin + 1}");
            }

            return new LineSpec { Isa = isa, Trigger = trigger, Polarity = polarity, Mark = m.Mark };
        }

        var pinNode = m.Get("pin") ?? throw _errors.At(ErrorCodes.MissingKey, m.Mark, $"missing required key 'pin' (or 'isa') {m.In}");
        var ioApic = 0;
        var ioApicNode = m.Get("ioapic");
        if (ioApicNode is not null)
        {
            ioApic = Int(ioApicNode, m.PathOf("ioapic"), 0, 255);
        }

        if (ioApic >= _machine.IoApics.Count)
        {
            throw _errors.At(
                ErrorCodes.Range,
                ioApicNode ?? pinNode,
                _machine.IoApics.Count == 0
                    ? "the machine has no IOAPIC (machine.ioapics is empty); use {isa: N}"
                    : $"{m.PathOf("ioapic")} must be an index into machine.ioapics 0..{_machine.IoApics.Count - 1}, got {ioApic}");
        }

        var pins = _machine.IoApics[ioApic].Pins;
        var pin = Int(pinNode, m.PathOf("pin"), 0, pins - 1, note: $" (IOAPIC {ioApic} has {pins} pins)");
        return new LineSpec { IoApic = ioApic, Pin = pin, Trigger = trigger, Polarity = polarity, Mark = m.Mark };
    }

    private MsiSpec ReadMsi(SyntaxNode node, string path, bool msix)
    {
        var m = Map(node, path, s_msiKeys);
        if (_kernel.Mode == KernelMode.Linux)
        {
            if (m.Present("address", "data") is { Count: > 0 } programmed)
            {
                throw _errors.At(
                    ErrorCodes.Conflict,
                    programmed[0],
                    $"{m.PathOf(programmed[0].Text)}: in linux mode the kernel allocates and programs the vectors; address/data are for kernel.mode bare");
            }

            var vectors = 1;
            if (m.Get("vectors") is { } vectorsNode)
            {
                vectors = msix
                    ? Int(vectorsNode, m.PathOf("vectors"), 1, MaxMsixVectors)
                    : Int(vectorsNode, m.PathOf("vectors"), 1, MaxMsiVectors);
                if (!msix && (vectors & (vectors - 1)) != 0)
                {
                    throw _errors.At(ErrorCodes.Range, vectorsNode, $"{m.PathOf("vectors")} must be a power of 2 (1, 2, 4, 8, 16, 32) for multi-message MSI, got {vectors}");
                }
            }

            var affinity = new List<int>();
            if (m.Get("affinity") is { } affinityNode)
            {
                var cpus = List(affinityNode, m.PathOf("affinity"));
                if (cpus.Count == 0)
                {
                    // An empty mask is no affinity the kernel accepts: irq_matrix_alloc() and irq_set_affinity() return -EINVAL.
                    throw _errors.At(ErrorCodes.Range, affinityNode, $"{m.PathOf("affinity")} needs at least one CPU, like [0]; leave it out for all CPUs");
                }

                for (var i = 0; i < cpus.Count; i++)
                {
                    affinity.Add(Cpu(cpus[i], $"{m.PathOf("affinity")}[{i}]"));
                }
            }

            return new MsiSpec { Vectors = vectors, Affinity = affinity, Mark = m.Mark };
        }

        if (m.Present("vectors", "affinity") is { Count: > 0 } allocated)
        {
            throw _errors.At(
                ErrorCodes.Conflict,
                allocated[0],
                $"{m.PathOf(allocated[0].Text)}: in bare mode there is no kernel to allocate vectors; program the message with address and data");
        }

        var addressNode = m.Require("address");
        var address = UInt(addressNode, m.PathOf("address"), 0, ulong.MaxValue, hexBounds: true);
        var dataNode = m.Require("data");
        var data = (uint)UInt(dataNode, m.PathOf("data"), 0, uint.MaxValue, hexBounds: true);
        CheckProgrammedMessage(m, addressNode, address, dataNode, data);
        return new MsiSpec { Vectors = 1, Address = address, Data = data, Mark = m.Mark };
    }

    /// <summary>
    /// A programmed bare-mode message must be an interrupt the model can deliver (SDM Vol. 3A §11.11.1-11.11.2):
    /// the address in the 0xFEExxxxx window, the compatibility format (bit 4, the VT-d remappable-format bit, needs
    /// interrupt remapping, which is not modelled), a delivery mode other than the reserved 011 and 110 (and ExtINT only with the 8259), and no
    /// level-triggered de-assert for a fixed, lowest-priority or INIT message (the local APIC ignores it). Anything
    /// else is no interrupt at all, and a run would drop every raise without a word.
    /// </summary>
    private void CheckProgrammedMessage(MapReader m, SyntaxNode addressNode, ulong address, SyntaxNode dataNode, uint data)
    {
        if ((address & ~0xF_FFFFUL) != MsiMessage.InterruptWindow)
        {
            throw _errors.At(
                ErrorCodes.Range,
                addressNode,
                $"{m.PathOf("address")} must be in the interrupt window 0xFEE00000..0xFEEFFFFF (SDM Vol. 3A 11.11.1), got 0x{address:X}");
        }

        if ((address & MsiMessage.RemappableFormatBit) != 0)
        {
            throw _errors.At(
                ErrorCodes.Conflict,
                addressNode,
                $"{m.PathOf("address")} sets bit 4 (remappable format), which needs interrupt remapping; the model has none: use the compatibility format (bit 4 = 0), got 0x{address:X}");
        }

        var mode = (data >> 8) & 7;
        if (mode is 3 or 6)
        {
            throw _errors.At(
                ErrorCodes.Range,
                dataNode,
                $"{m.PathOf("data")} bits 10:8 hold the reserved delivery mode {Convert.ToString(mode, 2).PadLeft(3, '0')} (SDM Vol. 3A 11.11.2: 000 fixed, 001 lowest, 010 SMI, 100 NMI, 101 INIT, 111 ExtINT), got 0x{data:X}");
        }

        // ExtINT: "a special INTA bus cycle ... is routed to the external controller", which supplies the vector (SDM Vol.
        // 3A 11.11.2, 11.5.1). Without the 8259 there is no one to answer it, so no raise could deliver anything.
        if (mode == 7 && !_machine.Pic)
        {
            throw _errors.At(
                ErrorCodes.Conflict,
                dataNode,
                $"{m.PathOf("data")} bits 10:8 select ExtINT (111), whose vector comes from the 8259's INTA cycle (SDM Vol. 3A 11.11.2), but machine.pic is false, so no raise would deliver it: program another delivery mode or leave the 8259 in, got 0x{data:X}");
        }

        // A level-triggered message (bit 15) with the level bit (14) clear is a de-assert: for fixed, lowest-priority
        // and INIT delivery the local APIC takes nothing from it (KVM __apic_accept_irq: "if (unlikely(trig_mode &&
        // !level)) break;" for fixed/lowest, the de-assert INIT ignored; SDM Vol. 3A 11.11.2 bit 14), and a device
        // sends the same message on every raise, so no raise would ever deliver anything.
        if ((data & MsiMessage.TriggerModeBit) != 0 && (data & MsiMessage.LevelAssertBit) == 0 && mode is 0 or 1 or 5)
        {
            throw _errors.At(
                ErrorCodes.Conflict,
                dataNode,
                $"{m.PathOf("data")} is a level-triggered de-assert message (bit 15 set, bit 14 clear), which a local APIC ignores for {(mode == 0 ? "fixed" : mode == 1 ? "lowest-priority" : "INIT")} delivery (SDM Vol. 3A 11.11.2), so no raise would deliver it: set bit 14 (assert) or clear bit 15 (edge), got 0x{data:X}");
        }
    }

    /// <summary>Number of messages a device can send (1 for a line or a programmed bare-mode message).</summary>
    private static int MessageCount(DeviceSpec device) => (device.Msix ?? device.Msi)?.Vectors ?? 1;
}
