using System.Globalization;
using IrqLab.Delivery;
using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using IrqLab.Kernel;
using IrqLab.Scenarios.Model;
using IrqLab.Simulation.Output;
using IrqLab.Tracing;
using IrqLab.Vectors;

namespace IrqLab.Simulation;

/// <summary>Scenario steps, bare handler actions, register access and expectations.</summary>
internal sealed partial class Machine
{
    private void ExecuteStep(int index, Step step)
    {
        switch (step)
        {
            case AdvanceStep a:
                RunUntil(_now + a.DurationNs);
                break;
            case ExpectStep e:
                Settle();
                _expects.Add(Evaluate(index, e));
                break;
            case InstallStep i:
                _kernel!.InstallSystemVector(i.Vector, i.Handler);
                break;
            case NmiStep n:
                PlatformNmi(_cpus[n.Cpu]);
                break;
            case ExceptionStep x:
                RaiseException(_cpus[x.Cpu], x.Vector, x.ErrorCode, x.Cr2);
                break;
            case VmStep v:
                ExecuteVmStep(v);
                break;
            default:
                ExecuteAction(null, null, step);
                break;
        }

        Settle();
    }

    /// <summary>
    /// Runs one operation either as a step (<paramref name="cpu"/> null: the step names its CPU) or as a handler
    /// action on <paramref name="cpu"/>. Returns the simulated time the action spends (handler <c>advance</c>).
    /// </summary>
    private long ExecuteAction(CpuContext? cpu, Frame? frame, Step step)
    {
        switch (step)
        {
            case AdvanceStep a when cpu is not null:
                return a.DurationNs;
            case EoiStep:
                WriteApic(cpu!, ApicRegister.Eoi, 0, frame);
                return 0;
            case InterruptFlagStep s when cpu is null && _cpus[s.Cpu ?? 0].Loaded is { InGuest: true } guest:
                // The step acts on the code running on that CPU: the guest.
                if (s.Set)
                {
                    guest.Guest.Sti();
                    guest.Guest.InstructionRetired();
                }
                else
                {
                    guest.Guest.Cli();
                }

                MarkDirty(guest.Host.Index);
                return 0;
            case InterruptFlagStep s:
                {
                    var c = cpu ?? _cpus[s.Cpu ?? 0];
                    if (s.Set)
                    {
                        c.State.Sti();
                        if (cpu is null)
                        {
                            // A step runs between instructions of the interrupted program: the shadow ends with the next one.
                            c.State.InstructionRetired();
                        }
                    }
                    else
                    {
                        c.State.Cli();
                    }

                    MarkDirty(c.Index);
                    return 0;
                }

            case IpiStep ipi:
                SendIpi(cpu ?? _cpus[ipi.From ?? 0], ipi, frame);
                return 0;
            case WriteStep w:
                Write(cpu, w.Target, w.Value, frame);
                return 0;
            case ReadStep r:
                RecordRead(r.As, Read(cpu, r.Target));
                return 0;
            case DeviceStep d:
                DeviceOp(d.Op, _devicesByName[d.Device], d.VectorIndex);
                return 0;
            default:
                throw new InvalidOperationException($"{step.GetType().Name} is not an action at {step.Mark}");
        }
    }

    private void RecordRead(string name, ReadValue value)
    {
        for (var i = 0; i < _reads.Count; i++)
        {
            if (_reads[i].Key == name)
            {
                _reads[i] = new KeyValuePair<string, ReadValue>(name, value);
                return;
            }
        }

        _reads.Add(new KeyValuePair<string, ReadValue>(name, value));
    }

    // ---------------------------------------------------------------- interrupts raised by steps

    private void PlatformNmi(CpuContext c)
    {
        _sourceRaised++;
        if (c.Shutdown)
        {
            _sourceDropped++;
            return;
        }

        if (c.NmiPending)
        {
            _sourceCoalesced++;
            return;
        }

        c.NmiPending = true;
        MarkDirty(c.Index);
    }

    private void RaiseException(CpuContext c, int vector, ulong? errorCode, ulong? cr2)
    {
        if (c.Shutdown)
        {
            return;
        }

        if (vector == VectorSpace.NmiVector)
        {
            PlatformNmi(c);
            return;
        }

        var info = ExceptionTable.Get(vector);
        ulong? ec = info.HasErrorCode ? errorCode ?? 0 : null;
        ulong data = vector == 14 ? cr2 ?? 0 : 0;
        var type = vector is 3 or 4 ? EventType.SoftwareException : EventType.HardwareException;
        if (c.Loaded is { InGuest: true } guest)
        {
            // The running instruction is the guest's: the exception goes through the guest's IDT (not intercepted).
            PreemptTop(c);
            EnterGuestHandler(guest, type, vector, (uint?)ec);
            return;
        }

        Deliver(c, new CpuEvent(type, (byte)vector, ec, data));
        MarkDirty(c.Index);
    }

    private void SendIpi(CpuContext from, IpiStep ipi, Frame? frame)
    {
        // Written as the sender's ICR (SDM 11.6.1): destination in the high half, shorthand in bits 19:18.
        ulong low = (ulong)(uint)(ipi.Vector & 0xFF) | ((ulong)(byte)ipi.Mode << 8) | (1UL << 14);
        ulong dest = 0;
        switch (ipi.To)
        {
            case IpiTargetKind.Cpu:
                dest = _cpus[(int)ipi.Destination].Apic.ApicId;
                break;
            case IpiTargetKind.Physical:
                dest = ipi.Destination;
                break;
            case IpiTargetKind.Logical:
                dest = ipi.Destination;
                low |= 1UL << 11;
                break;
            case IpiTargetKind.Self:
                low |= 1UL << 18;
                break;
            case IpiTargetKind.All:
                low |= 2UL << 18;
                break;
            case IpiTargetKind.AllButSelf:
                low |= 3UL << 18;
                break;
        }

        var x2 = from.Apic.Mode == LocalApicMode.X2Apic;
        var icr = low | (dest << (x2 ? 32 : 56));
        WriteApic(from, ApicRegister.Icr, icr, frame);
    }

    private void WriteApic(CpuContext c, ApicRegister reg, ulong value, Frame? frame)
    {
        var result = c.Apic.WriteRegister(reg, value);
        if (result == ApicAccessResult.GeneralProtection)
        {
            // WRMSR to an x2APIC register with reserved bits set (or a read-only one) faults (SDM 11.12.1.3).
            RaiseException(c, 13, 0, null);
        }

        MarkDirty(c.Index);
    }

    // ---------------------------------------------------------------- register access

    private static ApicRegister NamedApicRegister(string name) => name switch
    {
        "apic.id" => ApicRegister.Id,
        "apic.version" => ApicRegister.Version,
        "apic.tpr" => ApicRegister.Tpr,
        "apic.apr" => ApicRegister.Apr,
        "apic.ppr" => ApicRegister.Ppr,
        "apic.eoi" => ApicRegister.Eoi,
        "apic.ldr" => ApicRegister.Ldr,
        "apic.dfr" => ApicRegister.Dfr,
        "apic.svr" => ApicRegister.Svr,
        "apic.isr" => ApicRegister.Isr,
        "apic.tmr" => ApicRegister.Tmr,
        "apic.irr" => ApicRegister.Irr,
        "apic.esr" => ApicRegister.Esr,
        "apic.icr" => ApicRegister.Icr,
        "apic.lvt.cmci" => ApicRegister.LvtCmci,
        "apic.lvt.timer" => ApicRegister.LvtTimer,
        "apic.lvt.thermal" => ApicRegister.LvtThermal,
        "apic.lvt.pmc" => ApicRegister.LvtPmc,
        "apic.lvt.lint0" => ApicRegister.LvtLint0,
        "apic.lvt.lint1" => ApicRegister.LvtLint1,
        "apic.lvt.error" => ApicRegister.LvtError,
        "apic.timer.initial" => ApicRegister.TimerInitial,
        "apic.timer.current" => ApicRegister.TimerCurrent,
        "apic.timer.divide" => ApicRegister.TimerDivide,
        "apic.self_ipi" => ApicRegister.SelfIpi,
        _ => throw new InvalidOperationException($"unknown local APIC register '{name}'"),
    };

    private void Write(CpuContext? cpu, RegisterRef target, ulong value, Frame? frame)
    {
        switch (target.Kind)
        {
            case RegisterKind.Named:
                {
                    var c = cpu ?? _cpus[target.Cpu ?? 0];
                    WriteApic(c, NamedApicRegister(target.Name!), value, frame);
                    break;
                }

            case RegisterKind.Msr:
                {
                    var c = cpu ?? _cpus[target.Cpu ?? 0];
                    if (c.Apic.WriteMsr((uint)target.Address, value) == ApicAccessResult.GeneralProtection)
                    {
                        RaiseException(c, 13, 0, null);
                    }

                    MarkDirty(c.Index);
                    break;
                }

            case RegisterKind.Mmio:
                WriteMmio(cpu ?? _cpus[target.Cpu ?? 0], target.Address, (uint)value);
                break;
            case RegisterKind.Port:
                _pic?.WritePort((ushort)target.Address, (byte)value);
                break;
            case RegisterKind.IoApic:
                WriteIoApic(_ioApics[target.IoApic], target.Name!, value);
                break;
        }
    }

    private void WriteMmio(CpuContext c, ulong address, uint value)
    {
        const ulong ApicBase = 0xFEE0_0000;
        const ulong IoApicBase = 0xFEC0_0000;
        if (address is >= ApicBase and < ApicBase + 0x1000)
        {
            c.Apic.WriteMmio((uint)(address - ApicBase), value);
            MarkDirty(c.Index);
        }
        else if (address >= IoApicBase && address < IoApicBase + ((ulong)_ioApics.Length * 0x1000))
        {
            var io = _ioApics[(int)((address - IoApicBase) / 0x1000)];
            io.WriteMmio((uint)(address & 0xFFF), value);
        }
    }

    private void WriteIoApic(Hardware.IoApic.IoApic io, string name, ulong value)
    {
        switch (name)
        {
            case "id":
                io.WriteIndirect(0, (uint)value);
                break;
            case "version":
                io.WriteIndirect(1, (uint)value);
                break;
            case "arb":
                io.WriteIndirect(2, (uint)value);
                break;
            case "eoi":
                io.WriteMmio(0x40, (uint)value);
                break;
            default:
                io.SetEntry(RedirIndex(name), value);
                break;
        }
    }

    private static int RedirIndex(string name) => int.Parse(name.AsSpan("redir.".Length), CultureInfo.InvariantCulture);

    private ReadValue Read(CpuContext? cpu, RegisterRef target)
    {
        switch (target.Kind)
        {
            case RegisterKind.Named:
                {
                    var c = cpu ?? _cpus[target.Cpu ?? 0];
                    var reg = NamedApicRegister(target.Name!);
                    return reg switch
                    {
                        ApicRegister.Isr => new ReadValue(0, c.Apic.Isr.ToArray()),
                        ApicRegister.Irr => new ReadValue(0, c.Apic.Irr.ToArray()),
                        ApicRegister.Tmr => new ReadValue(0, c.Apic.Tmr.ToArray()),
                        _ => new ReadValue(c.Apic.PeekRegister(reg), null),
                    };
                }

            case RegisterKind.Msr:
                {
                    var c = cpu ?? _cpus[target.Cpu ?? 0];
                    if (c.Apic.ReadMsr((uint)target.Address, out var v) == ApicAccessResult.GeneralProtection)
                    {
                        RaiseException(c, 13, 0, null);
                    }

                    return new ReadValue(v, null);
                }

            case RegisterKind.Mmio:
                {
                    var c = cpu ?? _cpus[target.Cpu ?? 0];
                    const ulong ApicBase = 0xFEE0_0000;
                    const ulong IoApicBase = 0xFEC0_0000;
                    uint v = 0xFFFF_FFFF;
                    if (target.Address is >= ApicBase and < ApicBase + 0x1000)
                    {
                        c.Apic.ReadMmio((uint)(target.Address - ApicBase), out v);
                    }
                    else if (target.Address >= IoApicBase && target.Address < IoApicBase + ((ulong)_ioApics.Length * 0x1000))
                    {
                        _ioApics[(int)((target.Address - IoApicBase) / 0x1000)].ReadMmio((uint)(target.Address & 0xFFF), out v);
                    }

                    return new ReadValue(v, null);
                }

            case RegisterKind.Port:
                return new ReadValue(_pic?.ReadPort((ushort)target.Address) ?? 0xFF, null);
            default:
                {
                    var io = _ioApics[target.IoApic];
                    ulong v = target.Name switch
                    {
                        "id" => io.ReadIndirect(0),
                        "version" => io.ReadIndirect(1),
                        "arb" => io.ReadIndirect(2),
                        "eoi" => 0,
                        _ => io.GetEntry(RedirIndex(target.Name!)).Raw,
                    };
                    return new ReadValue(v, null);
                }
        }
    }

    // ---------------------------------------------------------------- devices

    private void DeviceOp(LineOp op, SimDevice d, int vectorIndex)
    {
        switch (op)
        {
            case LineOp.Raise:
                RaiseDevice(d, vectorIndex);
                break;
            case LineOp.Lower:
                if (!d.IsMessageSignalled)
                {
                    d.Asserted = false;
                    UpdateLine(d);
                }

                break;
            case LineOp.Pulse:
                RaiseDevice(d, vectorIndex);
                if (!d.IsMessageSignalled)
                {
                    d.Asserted = false;
                    UpdateLine(d);
                }

                break;
        }
    }

    /// <summary>The device asserts its interrupt: a line goes active (an edge if it was idle), an MSI is written.</summary>
    private void RaiseDevice(SimDevice d, int vectorIndex)
    {
        if (_sinks.Length > 0)
        {
            Trace(new TraceEvent(_now, -1, TraceEventKind.Raise, Name: d.Name));
        }

        if (d.Unbound)
        {
            _sourceRaised++;
            _sourceDropped++;
            return;
        }

        if (d.Msi is { } table)
        {
            if (table.Fire(vectorIndex) != Hardware.Msi.MsiDecodeError.None)
            {
                _sourceRaised++;
                _sourceDropped++;
            }

            return;
        }

        if (d.Asserted)
        {
            // Already asserted: an edge line sees no new edge, a level line is already active.
            _sourceRaised++;
            _sourceCoalesced++;
            return;
        }

        d.Asserted = true;
        UpdateLine(d);
    }

    /// <summary>Drives the wire of <paramref name="d"/> (wire-OR of every device sharing it) into the IOAPIC pin and the 8259.</summary>
    private void UpdateLine(SimDevice d)
    {
        if (d.IsMessageSignalled)
        {
            return;
        }

        var asserted = false;
        foreach (var other in _devices)
        {
            if (other.Asserted && SameLine(other, d))
            {
                asserted = true;
                break;
            }
        }

        if (d.IoApic >= 0)
        {
            _ioApics[d.IoApic].SetPinLevel(d.Pin, d.ActiveLow ? !asserted : asserted);
        }

        if (d.PicIrq >= 0)
        {
            _pic?.SetIrq(d.PicIrq, asserted);
        }
    }

    private static bool SameLine(SimDevice a, SimDevice b) =>
        (a.IoApic >= 0 && a.IoApic == b.IoApic && a.Pin == b.Pin) || (a.PicIrq >= 0 && a.PicIrq == b.PicIrq);

    // ---------------------------------------------------------------- expectations

    private ExpectEntry Evaluate(int index, ExpectStep e)
    {
        var line = e.Mark.Line;
        switch (e)
        {
            case ExpectReadStep r:
                {
                    var found = _reads.FirstOrDefault(kv => kv.Key == r.Read).Value;
                    if (found is null)
                    {
                        return new ExpectEntry(index, false, $"no read recorded as '{r.Read}'", line);
                    }

                    var ok = Matches(found, r.EqualsValue);
                    return new ExpectEntry(index, ok, $"read {r.Read}: expected {r.EqualsValue}, got {found}", line);
                }

            case ExpectRegisterStep g:
                {
                    var value = Read(null, g.Target);
                    var ok = Matches(value, g.EqualsValue);
                    return new ExpectEntry(index, ok, $"cpu {g.Target.Cpu ?? 0} {g.Target.Name}: expected {g.EqualsValue}, got {value}", line);
                }

            case ExpectRowStep row:
                {
                    var count = _kernel?.ProcInterrupts.Count(row.Row, row.Cpu) ?? 0UL;
                    var ok = (row.EqualsValue is null || count == row.EqualsValue)
                        && (row.AtLeast is null || count >= row.AtLeast)
                        && (row.AtMost is null || count <= row.AtMost);
                    var want = row.EqualsValue is { } eq ? $"= {eq}" : string.Join(" and ",
                        new[] { row.AtLeast is { } lo ? $">= {lo}" : null, row.AtMost is { } hi ? $"<= {hi}" : null }.Where(s => s is not null));
                    return new ExpectEntry(index, ok, $"row {row.Row} cpu {row.Cpu}: expected {want}, got {count}", line);
                }

            case ExpectHandlersStep h:
                {
                    var got = _handlersSinceExpect.ToList();
                    _handlersSinceExpect.Clear();
                    var ok = got.SequenceEqual(h.Handlers, StringComparer.Ordinal);
                    return new ExpectEntry(index, ok, $"handlers: expected [{string.Join(", ", h.Handlers)}], got [{string.Join(", ", got.Take(50))}{(got.Count > 50 ? ", ..." : string.Empty)}]", line);
                }

            case ExpectMessageStep m:
                {
                    var ok = _messages.Any(x => x.Text.Contains(m.Text, StringComparison.Ordinal));
                    return new ExpectEntry(index, ok, ok ? $"message containing \"{m.Text}\" found" : $"no kernel message contains \"{m.Text}\"", line);
                }

            case ExpectFaultStep f:
                {
                    var ok = _faults.Any(x => x.Kind == f.Fault && (f.Cpu is null || x.Cpu == f.Cpu));
                    var where = f.Cpu is { } cpu ? $" on cpu {cpu}" : string.Empty;
                    return new ExpectEntry(index, ok, ok ? $"fault {f.Fault}{where} recorded" : $"no fault {f.Fault}{where} (recorded: [{string.Join(", ", _faults.Select(x => $"{x.Kind}@cpu{x.Cpu}"))}])", line);
                }

            default:
                throw new InvalidOperationException("unknown expectation");
        }
    }

    private static bool Matches(ReadValue value, ExpectValue expected)
    {
        if (expected.List is { } list)
        {
            return value.List is { } got && got.Count == list.Count && got.Select(v => (ulong)v).SequenceEqual(list);
        }

        return value.List is null ? value.Scalar == expected.Scalar : value.List.Count == 1 && (ulong)value.List[0] == expected.Scalar;
    }
}
