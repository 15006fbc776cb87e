using System.Globalization;
using System.Runtime.CompilerServices;
using IrqLab.Delivery;
using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using IrqLab.Scenarios.Model;
using IrqLab.Simulation.Output;

namespace IrqLab.Simulation;

/// <summary>Register access of steps and handler actions: named local-APIC registers, MSRs, MMIO, ports, IOAPIC registers.</summary>
internal sealed partial class Machine
{
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

    /// <summary>
    /// The CPU whose registers an access reaches: the one the step or action names, else the running handler's CPU
    /// (<paramref name="running"/>), else CPU 0. An explicit <c>cpu</c> in a handler action is honoured as in a step
    /// (SCENARIOS.md §6: actions take the step's forms; docs/scenario-loader.md: in handlers <c>cpu</c> only
    /// <em>defaults</em> to the handler's CPU).
    /// </summary>
    private CpuContext TargetCpu(CpuContext? running, int? named) =>
        named is { } n ? _cpus[n] : running ?? _cpus[0];

    private void Write(CpuContext? cpu, RegisterRef target, ulong value, Frame? frame)
    {
        switch (target.Kind)
        {
            case RegisterKind.Named:
                {
                    var c = TargetCpu(cpu, target.Cpu);
                    WriteApic(c, NamedApicRegister(target.Name!), value, frame);
                    break;
                }

            case RegisterKind.Msr when target.Address == McgStatusMsr:
                {
                    // IA32_MCG_STATUS: bits 63:4 are reserved (#GP); software may set or clear MCIP (SDM Vol. 3B §16.3.1.2).
                    var c = TargetCpu(cpu, target.Cpu);
                    if ((value & ~0xFUL) != 0)
                    {
                        RaiseException(c, 13, 0, null);
                    }
                    else
                    {
                        c.McgStatus = value;
                    }

                    MarkDirty(c.Index);
                    break;
                }

            case RegisterKind.Msr when _fred && FredConfig.IsFredMsr(target.Address):
                {
                    // WRMSR of a FRED MSR: #GP(0) for a non-canonical address or reserved bits (FredConfig.CheckWrite).
                    var c = TargetCpu(cpu, target.Cpu);
                    var written = FredMsrsOf(c).WithMsr((uint)target.Address, value, out var result);
                    (c.FredMsrs ??= new StrongBox<FredConfig>()).Value = written;
                    if (result != FredMsrWriteResult.Ok)
                    {
                        RaiseException(c, 13, 0, null);
                    }

                    MarkDirty(c.Index);
                    break;
                }

            case RegisterKind.Msr:
                {
                    var c = TargetCpu(cpu, target.Cpu);
                    var before = c.Apic.Mode;
                    if (c.Apic.WriteMsr((uint)target.Address, value) == ApicAccessResult.GeneralProtection)
                    {
                        RaiseException(c, 13, 0, null);
                    }

                    ApicBaseWritten(c, before);
                    MarkDirty(c.Index);
                    break;
                }

            case RegisterKind.Mmio:
                WriteMmio(TargetCpu(cpu, target.Cpu), target.Address, (uint)value);
                break;
            case RegisterKind.Port when target.Address == NmiStatusControl.Port:
                _nmiStatusControl.Write((byte)value);
                break;
            case RegisterKind.Port:
                _pic?.WritePort((ushort)target.Address, (byte)value);
                break;
            case RegisterKind.IoApic:
                WriteIoApic(_ioApics[target.IoApic], target.Name!, value);
                break;
        }
    }

    /// <summary>
    /// Base of the CPU's 4 KiB xAPIC register page: IA32_APIC_BASE bits 12 and up, 0xFEE00000 after reset and wherever
    /// software relocated it (SDM Vol. 3A §11.4.4-11.4.5). (MSI addresses stay at 0xFEExxxxx: the chipset decodes them.)
    /// </summary>
    private static uint ReadApicMmio(CpuContext c, uint offset)
    {
        c.Apic.ReadMmio(offset, out var v);
        return v;
    }

    /// <summary>
    /// The FRED MSRs of <paramref name="c"/>: what a step wrote, else the values FRED delivery uses
    /// (<c>cpu_init_fred_exceptions()</c> and <c>cpu_init_fred_rsps()</c>, arch/x86/kernel/fred.c).
    /// </summary>
    private FredConfig FredMsrsOf(CpuContext c) => c.FredMsrs?.Value ?? _fredDelivery.Config;

    private static ulong ApicPage(CpuContext c) => c.Apic.ApicBase & ~0xFFFUL;

    private void WriteMmio(CpuContext c, ulong address, uint value)
    {
        const ulong IoApicBase = 0xFEC0_0000;
        var apicBase = ApicPage(c);
        if (address >= apicBase && address < apicBase + 0x1000 && c.Apic.Mode == LocalApicMode.XApic)
        {
            // Only an xAPIC decodes its page (see Read): otherwise the write goes to whatever else is there.
            c.Apic.WriteMmio((uint)(address - apicBase), value);
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

    /// <summary>
    /// A register read. <paramref name="instruction"/>: a <c>read</c> step or action, which is an RDMSR in x2APIC mode
    /// and faults (#GP) on a register that mode does not have or that is write-only (apic.apr, .dfr, .eoi,
    /// .self_ipi; SDM Table 11-6), as a named write to a read-only one does; an <c>expect</c> only looks (no fault).
    /// </summary>
    private ReadValue Read(CpuContext? cpu, RegisterRef target, bool instruction = true)
    {
        switch (target.Kind)
        {
            case RegisterKind.Named:
                {
                    var c = TargetCpu(cpu, target.Cpu);
                    var reg = NamedApicRegister(target.Name!);
                    switch (reg)
                    {
                        case ApicRegister.Isr:
                            return new ReadValue(0, c.Apic.Isr.ToArray());
                        case ApicRegister.Irr:
                            return new ReadValue(0, c.Apic.Irr.ToArray());
                        case ApicRegister.Tmr:
                            return new ReadValue(0, c.Apic.Tmr.ToArray());
                    }

                    if (!instruction && c.Apic.Mode != LocalApicMode.X2Apic)
                    {
                        // An expect only looks (side-effect free).
                        return new ReadValue(c.Apic.PeekRegister(reg), null);
                    }

                    // In x2APIC mode an expect sees what the RDMSR of a read step loads, 0 where RDMSR faults (no DFR or
                    // APR in that mode, EOI and SELF IPI write-only: SDM Vol. 3A Table 11-6), without the fault.
                    if (c.Apic.ReadRegister(reg, out var value) == ApicAccessResult.GeneralProtection && instruction)
                    {
                        RaiseException(c, 13, 0, null);
                    }

                    return new ReadValue(value, null);
                }

            case RegisterKind.Msr when target.Address == McgStatusMsr:
                return new ReadValue(TargetCpu(cpu, target.Cpu).McgStatus, null);

            case RegisterKind.Msr when _fred && FredConfig.IsFredMsr(target.Address):
                return new ReadValue(FredMsrsOf(TargetCpu(cpu, target.Cpu)).ReadMsr((uint)target.Address), null);

            case RegisterKind.Msr:
                {
                    var c = TargetCpu(cpu, target.Cpu);
                    if (c.Apic.ReadMsr((uint)target.Address, out var v) == ApicAccessResult.GeneralProtection && instruction)
                    {
                        // RDMSR of an MSR the CPU lacks (or a write-only x2APIC one) faults; an expect only looks (reads 0).
                        RaiseException(c, 13, 0, null);
                    }

                    return new ReadValue(v, null);
                }

            case RegisterKind.Mmio:
                {
                    var c = TargetCpu(cpu, target.Cpu);
                    const ulong IoApicBase = 0xFEC0_0000;
                    var apicBase = ApicPage(c);
                    uint v = 0xFFFF_FFFF;
                    if (target.Address >= apicBase && target.Address < apicBase + 0x1000
                        && c.Apic.Mode == LocalApicMode.XApic)
                    {
                        // Only an xAPIC decodes its page. In x2APIC mode the MMIO interface "behaves similar to that
                        // of a legacy xAPIC in globally disabled state" (SDM Vol. 3A §11.12.2), and a globally disabled
                        // APIC is as if the processor had none (§11.4.3): the page is ordinary memory then (KVM
                        // apic_mmio_read() with its default LAPIC_MMIO_HOLE quirk reads all ones).
                        // A reserved offset sets ESR bit 7 when read by an instruction, not by an expect.
                        v = instruction ? ReadApicMmio(c, (uint)(target.Address - apicBase)) : c.Apic.PeekMmio((uint)(target.Address - apicBase));
                    }
                    else if (target.Address >= IoApicBase && target.Address < IoApicBase + ((ulong)_ioApics.Length * 0x1000))
                    {
                        _ioApics[(int)((target.Address - IoApicBase) / 0x1000)].ReadMmio((uint)(target.Address & 0xFFF), out v);
                    }

                    return new ReadValue(v, null);
                }

            case RegisterKind.Port when target.Address == NmiStatusControl.Port:
                return new ReadValue(_nmiStatusControl.Read(), null);
            case RegisterKind.Port:
                // An IN after an OCW3 poll command acknowledges the 8259's request; an expect only looks.
                return new ReadValue(
                    (instruction ? _pic?.ReadPort((ushort)target.Address) : _pic?.PeekPort((ushort)target.Address)) ?? 0xFF, null);
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
}
