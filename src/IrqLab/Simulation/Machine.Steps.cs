using IrqLab.Delivery;
using IrqLab.Hardware.Apic;
using IrqLab.Scenarios.Model;
using IrqLab.Simulation.Output;
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
                RunUntil(TimeAfter(_now, a.DurationNs));
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
                if (ExecutingCpu(step) is { RunsNoProgram: true } idle)
                {
                    // Named by its index, as expects[].step is: the output is the same whether the scenario was YAML or JSON.
                    AddMessage(idle.Index, "warning", $"irqlab: the {ActionWord(step)} step steps[{index}] runs on CPU {idle.Index}, which executes no program ({WhyNoProgram(idle)}); skipped");
                    break;
                }

                ExecuteAction(null, null, step);
                break;
        }

        Settle();
    }

    /// <summary>
    /// The CPU whose program executes a step's instruction (STI/CLI, the sender's ICR write, a write to its own APIC or
    /// MSR); null for steps that are not one CPU's instruction (device operations, IO-APIC and port writes, reads).
    /// </summary>
    private CpuContext? ExecutingCpu(Step step) => step switch
    {
        InterruptFlagStep s => _cpus[s.Cpu ?? 0],
        IpiStep ipi => TargetCpu(null, ipi.From),
        WriteStep { Target.Kind: RegisterKind.Named or RegisterKind.Msr or RegisterKind.Mmio } w => TargetCpu(null, w.Target.Cpu),
        _ => null,
    };

    private static string WhyNoProgram(CpuContext c) =>
        c.WaitForSipi ? "waiting for a start-up IPI" : c.Shutdown ? "shut down"
        : c.HaltSpins ? "spinning for good in irq_wait_on_inprogress()" : "halted for good by stop_this_cpu()";

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
                        if (cpu is null && _linux && !c.State.If)
                        {
                            NoteIrqsEnabledInDeviceHandler(c);
                        }

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
                SendIpi(TargetCpu(cpu, ipi.From), ipi, frame);
                return 0;
            case WriteStep w:
                Write(cpu, w.Target, w.Value, frame);
                return 0;
            case ReadStep r:
                RecordRead(r.As, Read(cpu, r.Target));
                return 0;
            case DeviceStep d:
                var device = _devicesByName[d.Device];

                // A message the function has not been enabled to send (a multi-MSI device given one vector) is message 0.
                DeviceOp(d.Op, device, device.Msi is { } table && d.VectorIndex >= table.Count ? 0 : d.VectorIndex);
                return 0;
            default:
                throw new InvalidOperationException($"{step.GetType().Name} is not an action at {step.Mark}");
        }
    }

    /// <summary>Records a read under its name: a new name is added in order, a known one keeps its place and takes the new value.</summary>
    private void RecordRead(string name, ReadValue value)
    {
        if (_readIndex.TryGetValue(name, out var i))
        {
            _reads[i] = new KeyValuePair<string, ReadValue>(name, value);
            return;
        }

        _readIndex.Add(name, _reads.Count);
        _reads.Add(new KeyValuePair<string, ReadValue>(name, value));
    }

    // ---------------------------------------------------------------- interrupts raised by steps

    /// <summary>
    /// A scenario <c>sti</c> while a Linux device handler runs on <paramref name="c"/> (the top frame): remembers which of
    /// the irq's actions enabled interrupts, for the check <c>__handle_irq_event_percpu()</c> makes when it returns
    /// (<see cref="Return"/>). The frame's own time still to spend tells the running action.
    /// </summary>
    private void NoteIrqsEnabledInDeviceHandler(CpuContext c)
    {
        if (c.Depth == 0 || c.Top is not { Kind: FrameKind.Linux, Vm: null, Irq: >= 0, IrqsEnabledAction: < 0 } f)
        {
            return;
        }

        var left = f.RemainingNs + Math.Max(0, c.BusyUntilNs - _now);
        f.IrqsEnabledAction = _kernel!.RunningAction(f.Irq, left);
    }

    private void PlatformNmi(CpuContext c)
    {
        MaterializeResumeOf(c);

        _sourceRaised++;
        if (c.Shutdown && c.ShutdownInNmi)
        {
            // Shut down in an NMI handler: NMIs stay blocked for good (SDM Vol. 3A §6.15, only a reset restarts it).
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
        MaterializeResumeOf(c);

        // A CPU that executes nothing, or only the HLT of stop_this_cpu(), runs no instruction that could fault.
        if (c.ExecutesNothing || c.InHaltLoop)
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
            if (vector == MachineCheckVector && _linux)
            {
                MachineCheckInGuest(c, guest);
                return;
            }

            if (vector == MachineCheckVector)
            {
                // A machine check of the CPU, whatever runs on it (SCENARIOS.md §10: faults records machine checks), as
                // the Linux path above records it too; the guest's own MCIP is not modelled (docs/simulation.md).
                AddFault(c.Index, "machine_check");
            }

            // The running instruction is the guest's: the exception goes through the guest's IDT (not intercepted).
            PreemptTop(c);
            EnterGuestHandler(guest, type, vector, (uint?)ec);

            // As on the host path below: the CPU must be pumped so that the guest handler runs its actions and returns
            // (IRET); otherwise its frame stayed on the stack and every later guest event nested inside it.
            MarkDirty(c.Index);
            return;
        }

        if (vector != MachineCheckVector || GenerateMachineCheck(c))
        {
            Deliver(c, new CpuEvent(type, (byte)vector, ec, data));
        }

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
}
