using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using IrqLab.Hardware.Msi;
using IrqLab.Hardware.Pic;
using IrqLab.Kernel;
using IrqLab.Tracing;

namespace IrqLab.Simulation;

/// <summary>How the machine's parts call back into it: the APIC host, the kernel's platform, the 8259's INTR output.</summary>
internal sealed partial class Machine
{
    /// <summary>
    /// The destination Linux writes into an IO-APIC entry or MSI message for a vector on <paramref name="cpu"/>:
    /// <c>apic-&gt;calc_dest_apicid(cpu)</c> and <c>apic-&gt;dest_mode_logical</c> (<c>__irq_msi_compose_msg()</c>,
    /// arch/x86/kernel/apic/apic.c). The logical "flat" driver (6.1-6.10, xAPIC, at most 8 CPUs) gives logical mode and
    /// <c>1U &lt;&lt; cpu</c> (<c>apic_flat_calc_apicid()</c>, matching its LDR); physflat and x2APIC without interrupt
    /// remapping (<c>x2apic_phys</c>, <c>try_to_enable_x2apic()</c>) give physical mode and the APIC ID.
    /// </summary>
    private (uint Destination, bool Logical) LinuxDestination(int cpu) =>
        _linuxLogicalFlatDestinations ? (1u << cpu, true) : (_cpus[cpu].Apic.ApicId, false);

    /// <summary>
    /// One object wiring the hardware and the kernel model to the machine: the local APICs report line changes,
    /// IPIs, timers and EOI broadcasts; the IOAPICs and MSI tables send messages; the kernel acknowledges devices,
    /// EOIs and logs. Each call only records or marks a CPU dirty; the engine does the rest at the next boundary,
    /// so no callback re-enters a CPU in the middle of an action.
    /// </summary>
    private sealed class Platform(Machine m) : ILocalApicHost, IKernelPlatform, IPicHost, IInterruptSink
    {
        /// <summary>Linux's <c>cached_irq_mask</c> (arch/x86/kernel/i8259.c): bit n masks ISA irq n; all set after init_8259A().</summary>
        private ushort _cachedIrqMask = 0xFFFF;

        /// <summary>Linux's copy of each programmed redirection entry's low dword (io_apic.c <c>mp_chip_data.entry.w1</c>).</summary>
        private uint[]?[]? _ioApicEntryLow;

        public long NowNs => m._now;

        public byte GetNmiReason() => m._nmiStatusControl.Read();

        // ---- IInterruptSink: IOAPIC and MSI messages onto the bus
        public void Deliver(in InterruptMessage message) => m._bus.Deliver(message);

        // ---- ILocalApicHost
        public void SendIpi(LocalApic source, in InterruptMessage message) => m._bus.Deliver(message);

        public void InterruptLineChanged(LocalApic apic) => m.MarkDirty(apic.Index);

        public void SignalNmi(LocalApic apic) => m.PlatformNmi(m._cpus[apic.Index]);

        public void SignalInit(LocalApic apic) => m.InitCpu(m._cpus[apic.Index]);

        // A CPU shut down in an NMI handler ignores INIT: "only a hardware reset can restart the processor" (SDM Vol. 3A
        // §6.15), so the APIC does not reset either.
        public bool InterceptInit(LocalApic apic) =>
            m._cpus[apic.Index] is { Shutdown: true, ShutdownInNmi: true } || m.InitInGuest(m._cpus[apic.Index]);

        public void SignalStartup(LocalApic apic, int vector) => m.StartCpu(m._cpus[apic.Index]);

        public void SignalSmi(LocalApic apic) => m.MarkDirty(apic.Index);

        public void SignalExtInt(LocalApic apic) => m.PendExtInt(m._cpus[apic.Index]);

        public void SignalExtIntMessage(LocalApic apic) => m.LatchExtInt(m._cpus[apic.Index]);

        public void BroadcastEoi(LocalApic apic, int vector)
        {
            foreach (var io in m._ioApics)
            {
                io.BroadcastEoi(vector);
            }
        }

        public void TimerChanged(LocalApic apic) => m.ScheduleTimer(m._cpus[apic.Index]);

        // ---- IPicHost: the master's INTR output drives LINT0 of every local APIC (MP spec 1.4 §5.1, "connected to the
        // LINTIN0 of all local APICs"; QEMU pic_irq_request and KVM kvm_pic kick every CPU whose LINT0 accepts it), and
        // the BSP's INTR pin itself while the BSP's local APIC is globally disabled (PendExtInt).
        public void IntrChanged(bool asserted)
        {
            var cpus = m._cpus;
            for (var i = 0; i < cpus.Length; i++)
            {
                // The pin level is recorded in every mode (a globally disabled APIC delivers nothing through LVT).
                var c = cpus[i];
                c.Apic.RaiseLocal(LocalInterrupt.Lint0, asserted);
                var bypass = i == 0 && c.Apic.Mode == LocalApicMode.Disabled;
                if (asserted && bypass)
                {
                    m.PendExtInt(c);
                }

                if (!asserted && c.ExtIntPending && !c.ExtIntLatched && (bypass || IsExtIntLint0(c.Apic)))
                {
                    // The 8259 withdrew its request before the CPU acknowledged it (LINT0 in ExtINT mode is level-sensitive,
                    // SDM Vol. 3A 11.5.1). An ExtINT *message* (IO-APIC, MSI) is an edge and stays latched.
                    c.ExtIntPending = false;
                    m._sourceDropped++;
                }
            }
        }

        // ---- ILocalApicHost.LintWithdrawn: an ExtINT the 8259 presented through LINT0 is not taken once the CPU masks
        // LINT0 (or software-disables its APIC) or programs another delivery mode there before acknowledging it; KVM's
        // kvm_apic_accept_pic_intr lets the 8259's output in only while LVT0 is unmasked ExtINT. Unmasking LINT0, or
        // programming ExtINT again, with INT still high delivers it again (LocalApic.WriteLvt).
        public void LintWithdrawn(LocalApic apic, LocalInterrupt pin)
        {
            var c = m._cpus[apic.Index];
            if (pin == LocalInterrupt.Lint0 && c.ExtIntPending && !c.ExtIntLatched)
            {
                c.ExtIntPending = false;
                m._sourceDropped++;
            }
        }

        /// <summary>LVT LINT0 in ExtINT mode (masked or not): a pending ExtINT there follows the 8259's INT level.</summary>
        private static bool IsExtIntLint0(LocalApic apic) =>
            ((apic.Lvt(LocalInterrupt.Lint0) >> 8) & 7) == (uint)DeliveryMode.ExtInt;

        // ---- IKernelPlatform
        public void ApicEoi(int cpu)
        {
            var apic = m._cpus[cpu].Apic;
            var traced = m._sinks.Length > 0;

            // The EOI ends the highest in-service vector (SDM 11.8.5); only the trace needs to know which.
            var vector = traced ? apic.Isr.Highest() : -1;
            apic.Eoi();
            if (traced)
            {
                m.TraceEoi(cpu, vector);
            }

            // An EOI that ended a vector reported it through InterruptLineChanged (the CPU is pumped again).
        }

        public uint ApicRead(int cpu, int reg)
        {
            // The kernel's x2APIC driver reads MSR 0x800 + reg / 16 (native_apic_msr_read), else the MMIO page.
            var apic = m._cpus[cpu].Apic;
            if (apic.Mode == LocalApicMode.X2Apic)
            {
                apic.ReadMsr(0x800 + ((uint)reg >> 4), out var wide);
                return (uint)wide;
            }

            apic.ReadMmio((uint)reg, out var value);
            return value;
        }

        public void ApicWrite(int cpu, int reg, uint value)
        {
            var apic = m._cpus[cpu].Apic;
            if (apic.Mode == LocalApicMode.X2Apic)
            {
                apic.WriteMsr(0x800 + ((uint)reg >> 4), value);
            }
            else
            {
                apic.WriteMmio((uint)reg, value);
            }

            m.MarkDirty(cpu);
        }

        public bool ApicIsrIsSet(int cpu, int vector) => m._cpus[cpu].Apic.Isr.IsSet(vector);

        public bool ApicTmrIsSet(int cpu, int vector) => m._cpus[cpu].Apic.Tmr.IsSet(vector);

        public void IoApicPinEoi(int ioapic, int pin, int vector) => m._ioApics[ioapic].WriteMmio(0x40, (uint)vector);

        public void ProgramIoApicPin(int ioapic, int pin, int vector, int cpu, bool level, bool activeLow, bool masked)
        {
            // 82093AA redirection entry: vector 7:0, fixed delivery, destination mode 11, polarity 13, trigger 15,
            // mask 16, destination 63:56; APIC ID bits 14:8 in 55:49 (Linux's virt_destid_8_14, zero below APIC ID
            // 256), as MsiMessage.Compose puts them in MSI address bits 11:5. Linux copies destination mode and ID from
            // the MSI message it composes for the vector (ioapic_setup_msg_from_msi(), __irq_msi_compose_msg()).
            var (destination, logical) = m.LinuxDestination(cpu);
            var raw = (ulong)(uint)(vector & 0xFF)
                | (logical ? 1UL << 11 : 0UL)
                | (activeLow ? 1UL << 13 : 0UL)
                | (level ? 1UL << 15 : 0UL)
                | (masked ? 1UL << 16 : 0UL)
                | ((ulong)((destination >> 8) & 0x7F) << 49)
                | ((ulong)(destination & 0xFF) << 56);
            IoApicEntryLow(ioapic)[pin] = (uint)raw;
            m._ioApics[ioapic].SetEntry(pin, raw);
        }

        public void SetIoApicPinMask(int ioapic, int pin, bool masked)
        {
            // arch/x86/kernel/apic/io_apic.c io_apic_modify_irq(): Linux sets the mask bit in its copy of the entry
            // (mp_chip_data.entry) and writes that copy's low dword to register 0x10 + 2 * pin; the high dword
            // (destination) is not written and the hardware's low dword is not read back.
            var cached = IoApicEntryLow(ioapic);
            cached[pin] = masked ? cached[pin] | (1U << 16) : cached[pin] & ~(1U << 16);
            m._ioApics[ioapic].WriteIndirect((byte)(Hardware.IoApic.IoApic.RedirectionBaseIndex + 2 * pin), cached[pin]);
        }

        /// <summary>The low dwords of Linux's <c>mp_chip_data.entry</c> for the pins of IO-APIC <paramref name="ioapic"/>.</summary>
        private uint[] IoApicEntryLow(int ioapic)
        {
            _ioApicEntryLow ??= new uint[m._ioApics.Length][];
            return _ioApicEntryLow[ioapic] ??= new uint[m._ioApics[ioapic].Pins];
        }

        public void ProgramMsi(int device, int index, int vector, int cpu)
        {
            var table = m._devices[device].Msi!;
            var (destination, logical) = m.LinuxDestination(cpu);
            table.SetEntry(index, MsiMessage.Compose(destination, vector, logical: logical));
        }

        public void SetMsiMask(int device, int index, bool masked) => m._devices[device].Msi!.SetMasked(index, masked);

        public void SetPicMask(int isaIrq, bool masked)
        {
            // arch/x86/kernel/i8259.c (mask_8259A_irq, unmask_8259A_irq, mask_and_ack_8259A): Linux keeps both IMRs in
            // cached_irq_mask (0xffff after init_8259A) and writes the chip's whole byte from it, never reading the IMR
            // back, so a mask a scenario wrote to port 0x21/0xA1 lasts only until the kernel next masks or unmasks a
            // line on that chip.
            var bit = 1 << isaIrq;
            _cachedIrqMask = (ushort)(masked ? _cachedIrqMask | bit : _cachedIrqMask & ~bit);
            if (m._pic is not { } pic)
            {
                return;
            }

            if (isaIrq < 8)
            {
                pic.WritePort(0x21, (byte)_cachedIrqMask);
            }
            else
            {
                pic.WritePort(0xA1, (byte)(_cachedIrqMask >> 8));
            }
        }

        public bool PicInService(int isaIrq)
        {
            if (m._pic is not { } pic)
            {
                return false;
            }

            // i8259A_irq_real() (arch/x86/kernel/i8259.c): OCW3 0x0B selects the ISR, the command port is read, and OCW3
            // 0x0A selects the IRR again, so the chip is left reading IRR whatever a scenario selected before.
            var command = (ushort)(isaIrq < 8 ? 0x20 : 0xA0);
            pic.WritePort(command, 0x0B);
            var isr = pic.ReadPort(command);
            pic.WritePort(command, 0x0A);
            return (isr & (1 << (isaIrq & 7))) != 0;
        }

        public void SetPicLevelTriggered(int isaIrq)
        {
            if (m._pic is not { } pic)
            {
                return;
            }

            var port = (ushort)(isaIrq < 8 ? 0x4D0 : 0x4D1);
            var elcr = pic.ReadPort(port);
            pic.WritePort(port, (byte)(elcr | (1 << (isaIrq & 7))));
        }

        public void PicEoi(int isaIrq)
        {
            if (m._pic is not { } pic)
            {
                return;
            }

            // OCW2 specific EOI (0x60 | level); a slave IRQ also EOIs the cascade input 2 on the master.
            if (isaIrq >= 8)
            {
                pic.WritePort(0xA0, (byte)(0x60 | (isaIrq & 7)));
                pic.WritePort(0x20, 0x62);
            }
            else
            {
                pic.WritePort(0x20, (byte)(0x60 | isaIrq));
            }
        }

        public bool DeviceAcknowledge(int device)
        {
            var d = m._devices[device];
            if (d.Asserted)
            {
                d.Asserted = false;
                m.UpdateLine(d);
                return true;
            }

            // A level-triggered device that is not asserting its line has no interrupt for its driver to find.
            return d.Trigger != TriggerMode.Level || d.IsMessageSignalled;
        }

        public void SendIpi(int cpu, int vector)
        {
            // apic->send_IPI(cpu, vector): addressed as the driver addresses the CPU (LinuxDestination).
            var (destination, logical) = m.LinuxDestination(cpu);
            m._bus.Deliver(new InterruptMessage((byte)vector, DeliveryMode.Fixed,
                logical ? DestinationMode.Logical : DestinationMode.Physical, destination));
        }

        public void Log(int cpu, KernelLogLevel level, string text) => m.AddMessage(cpu, level.ToJsonName(), text);

        public void Fault(int cpu, string kind) => m.AddFault(cpu, kind);

        // The handler entered now never returns: its frame, pushed next at Depth + 1, stays (see StepFrame).
        public void HaltForever(int cpu)
        {
            var c = m._cpus[cpu];
            c.HaltedDepth = c.Depth + 1;
        }

        // The same frame rule; only the reason a skipped step names differs.
        public void SpinForever(int cpu)
        {
            HaltForever(cpu);
            m._cpus[cpu].HaltSpins = true;
        }

        public void PostedInterruptWakeup(int cpu) => m.PiWakeupHandler(cpu);
    }
}
