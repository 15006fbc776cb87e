using System.Globalization;
using IrqLab.Kernel.Irq;
using IrqLab.Kernel.Matrix;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;

namespace IrqLab.Kernel;

/// <content>irq numbering, <c>request_irq()</c> / <c>free_irq()</c>, vector assignment and the legacy 8259 irqs.</content>
public sealed partial class KernelModel
{
    private const uint IrqfTriggerRising = 0x1;
    private const uint IrqfTriggerFalling = 0x2;
    private const uint IrqfTriggerHigh = 0x4;
    private const uint IrqfTriggerLow = 0x8;
    private const uint IrqfShared = 0x80;
    private const uint IrqfNoThread = 0x10000;
    private const uint IrqfTriggerMask = 0xf;
    private const int Ebusy = -16;
    private const int Einval = -22;
    private int _nextDynamicIrq = -1;

    /// <summary>
    /// Allocates irq(s) and vector(s) and registers the handler: IO-APIC GSIs get their irq as <see cref="IrqOfGsi"/> says
    /// (the GSI base of IO-APIC k is the sum of the previous pin counts; in the PC wiring ISA IRQ 0 ↔ GSI 2); ISA lines use the
    /// IO-APIC when one exists, else the 8259 (XT-PIC, vector 0x30+N); MSI / MSI-X irqs are dynamic irqs, allocated from
    /// <c>ioapic_dynirq_base</c> (the end of the IO-APICs with a static domain) in request order. Programs the
    /// hardware through the platform and returns the irq numbers (one per MSI / MSI-X vector). Throws
    /// <see cref="KernelSetupException"/> when out of vectors (-ENOSPC) or when sharing rules fail (-EBUSY).
    /// </summary>
    public IReadOnlyList<int> RequestIrq(DeviceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Kind switch
        {
            DeviceLineKind.IoApicPin => [RequestIoApicPin(request, request.IoApic, request.Pin)],
            DeviceLineKind.Isa => [RequestIsa(request)],
            _ => RequestMsi(request),
        };
    }

    /// <summary>
    /// <c>free_irq()</c> for every action of <paramref name="device"/>. An irq left without actions is shut down: masked,
    /// its <c>vector_irq</c> slot set to <c>VECTOR_SHUTDOWN</c> and its vector freed (8259 irqs keep their fixed vector).
    /// The descriptor stays (its counts still show in 6.1-6.10).
    /// </summary>
    public void FreeIrq(int device)
    {
        for (var irq = 0; irq < IrqLimit; irq++)
        {
            var desc = _irqs[irq];
            if (desc is null || desc.RemoveActions(device) == 0 || desc.ActionArray.Length > 0)
            {
                continue;
            }

            ShutdownIrq(desc);
        }

        var keys = _byDeviceIndex.Keys.Where(k => (int)(k >> 20) == device).ToList();
        foreach (var k in keys)
        {
            _byDeviceIndex.Remove(k);
        }
    }

    private void ShutdownIrq(IrqDesc desc)
    {
        MaskIrq(desc);
        desc.Started = false;
        if (desc.Chip == IrqChipKind.XtPic || desc.Vector < 0)
        {
            return;
        }

        // x86_vector_deactivate() -> clear_irq_vector(): vector_irq := VECTOR_SHUTDOWN, matrix free.
        _vectorIrq[desc.Cpu].SetSentinel(desc.Vector, VectorIrqKind.Shutdown);
        Matrix.Free(desc.Cpu, desc.Vector, false);
        desc.Vector = -1;
        desc.Cpu = -1;
    }

    private void SetupLegacyPic()
    {
        if (!Options.HasPic)
        {
            return;
        }

        // init_8259A(): all lines masked.
        for (var i = 0; i < VectorSpace.NrIrqsLegacy; i++)
        {
            _platform.SetPicMask(i, true);
        }

        if (_gsiTop > 0)
        {
            // lapic_assign_system_vectors() marked ISA_IRQ_VECTOR(i) of every legacy irq but the cascade allocated on the boot
            // CPU (irq_matrix_assign()); only vector_configure_legacy() releases one, when the IO-APIC domain takes the irq over,
            // and lapic_update_legacy_vectors() does nothing while an IO-APIC exists. An ISA irq whose GSI no IO-APIC has
            // (mp_config_acpi_legacy_irqs(): mp_find_ioapic() fails, so no mp_irqs entry and setup_IO_APIC_irqs() never maps
            // it) stays an 8259 irq (init_IO_APIC_traps()) and keeps its vector on CPU 0.
            for (var i = 0; i < VectorSpace.NrIrqsLegacy; i++)
            {
                if (i != 2 && VectorSpace.IsaIrqGsi(i) >= _gsiTop)
                {
                    Matrix.Assign(0, VectorSpace.IsaIrqVector(i));
                }
            }

            // check_timer() (setup_IO_APIC(), io_apic.c) re-runs init_8259A(1): the master is left in auto-EOI mode.
            _i8259AutoEoi = true;
            SetupLegacyVectorsTakenOver();
            return;
        }

        // No IO-APIC: legacy irqs 0-15 stay on the 8259 with fixed vectors ISA_IRQ_VECTOR(i), installed on every CPU
        // (lapic_online / __setup_vector_irq); the matrix marks them assigned (lapic_assign_system_vectors).
        for (var i = 0; i < VectorSpace.NrIrqsLegacy; i++)
        {
            var desc = new IrqDesc(i, Options.Cpus, IrqChipKind.XtPic, "XT-PIC", i, hasDomain: false, IrqFlow.Level, null)
            {
                IsaIrq = i,
                Vector = VectorSpace.IsaIrqVector(i),
                Cpu = 0,

                // init_8259A() masked every line: Linux's cached_irq_mask starts at 0xffff.
                Masked = true,
            };
            StoreDesc(desc);
            for (var c = 0; c < Options.Cpus; c++)
            {
                if (i != 2)
                {
                    Matrix.Assign(c, desc.Vector);
                }

                _vectorIrq[c].SetDesc(desc.Vector, desc);
            }
        }

        // native_init_IRQ(): request_irq(2, no_action, IRQF_NO_THREAD, "cascade", NULL) when there is no IO-APIC.
        var cascade = _irqs[2]!;
        cascade.AddAction(new IrqAction(-1, "cascade", "no_action", HandlerReturn.None, 0, IrqfNoThread));
        cascade.Started = true;
        cascade.Masked = false;
        _platform.SetPicMask(2, false);
    }

    /// <summary>
    /// CPU 0's legacy <c>vector_irq</c> slots once the IO-APIC has taken the legacy irqs over. <c>init_IRQ()</c>
    /// (arch/x86/kernel/irqinit.c) put desc(i) in CPU 0's ISA_IRQ_VECTOR(i) for every legacy irq. <c>setup_IO_APIC_irqs()</c>
    /// maps IO-APIC 0's pins at boot (<c>IOAPIC_MAP_ALLOC</c> for IO-APIC 0 only) and a legacy irq is allocated with
    /// X86_IRQ_ALLOC_LEGACY, so <c>vector_configure_legacy()</c> (arch/x86/kernel/apic/vector.c) releases the vector of each
    /// one not yet activated: <c>clear_irq_vector()</c> leaves VECTOR_SHUTDOWN in CPU 0's slot, and the first stray
    /// interrupt there is dropped silently. (Linux's timer has activated irq 0 by then and keeps 0x30; the model has no
    /// boot timer, so irq 0 is released too.) The cascade, irq 2, is never routed to the IO-APIC (<c>PIC_IRQS</c>, "we
    /// refrain from routing IRQ2 to the I/O APIC in all cases now", io_apic.c): it stays an 8259 irq without an action, in
    /// ISA_IRQ_VECTOR(2) of CPU 0 and of every other CPU (<c>lapic_online()</c> → <c>__setup_vector_irq()</c>: its bit is
    /// clear in <c>io_apic_irqs</c>). Legacy irqs on a later IO-APIC, or on none, are not modelled here (their slots stay
    /// unused).
    /// </summary>
    private void SetupLegacyVectorsTakenOver()
    {
        for (var i = 0; i < VectorSpace.NrIrqsLegacy; i++)
        {
            if (i != 2 && VectorSpace.IsaIrqGsi(i) < Options.IoApicPins[0])
            {
                _vectorIrq[0].SetSentinel(VectorSpace.IsaIrqVector(i), VectorIrqKind.Shutdown);
            }
        }

        var cascade = new IrqDesc(2, Options.Cpus, IrqChipKind.XtPic, "XT-PIC", 2, hasDomain: false, IrqFlow.Level, null)
        {
            IsaIrq = 2,
            Vector = VectorSpace.IsaIrqVector(2),
            Cpu = 0,

            // cached_irq_mask: no "cascade" action is requested when there is an IO-APIC (native_init_IRQ()).
            Masked = true,
        };
        StoreDesc(cascade);
        for (var c = 0; c < Options.Cpus; c++)
        {
            _vectorIrq[c].SetDesc(cascade.Vector, cascade);
        }
    }

    /// <summary>
    /// Registers a per-CPU interrupt (<c>handle_percpu_irq</c>, e.g. a local-APIC-based source) on <paramref name="vector"/> of
    /// every CPU with one action. Used by models of per-CPU sources; the vector is taken on every CPU's matrix.
    /// </summary>
    internal IrqDesc AttachPercpuIrq(int irq, int vector, DeviceRequest r)
    {
        var desc = new IrqDesc(irq, Options.Cpus, IrqChipKind.PerCpu, "local-APIC", 0, hasDomain: false, IrqFlow.PerCpu, null)
        {
            Vector = vector,
            Cpu = 0,
            Started = true,
        };
        StoreDesc(desc);
        desc.AddAction(new IrqAction(r.Device, r.Name, r.HandlerSymbol ?? r.Name + "_interrupt", r.Returns, r.CostNs, 0x400));
        for (var c = 0; c < Options.Cpus; c++)
        {
            Matrix.Assign(c, vector);
            _vectorIrq[c].SetDesc(vector, desc);
        }

        return desc;
    }

    private int RequestIsa(DeviceRequest r)
    {
        var isa = r.IsaIrq;
        if ((uint)isa >= VectorSpace.NrIrqsLegacy)
        {
            throw new KernelSetupException(string.Create(CultureInfo.InvariantCulture, $"{r.Name}: ISA IRQ {isa} does not exist (0-15)"), Einval);
        }

        if (_gsiTop > 0)
        {
            if (isa == 2)
            {
                // IRQ2 is never routed to the IO-APIC (PIC_IRQS in io_apic.c): no pin of its own carries it.
                throw new KernelSetupException($"{r.Name}: ISA IRQ 2 is the 8259A cascade; no device can use it", Ebusy);
            }

            // PC wiring (MADT interrupt source override): ISA IRQ 0 is GSI 2, every other ISA IRQ N is GSI N.
            return RequestIoApicPin(r, 0, VectorSpace.IsaIrqGsi(isa));
        }

        if (!Options.HasPic)
        {
            throw new KernelSetupException($"{r.Name}: ISA IRQ {isa} needs an 8259 PIC or an IO-APIC", Einval);
        }

        if (r.Level)
        {
            // acpi_register_gsi_pic() (arch/x86/kernel/acpi/boot.c), when the device is enabled: a level-sensitive
            // legacy GSI gets elcr_set_level_irq() (arch/x86/pci/irq.c), which reports each irq once at KERN_DEBUG.
            if ((_elcrLevelIrqs & (1 << isa)) == 0)
            {
                _elcrLevelIrqs |= 1 << isa;
                _platform.Log(0, KernelLogLevel.Debug, string.Create(CultureInfo.InvariantCulture, $"PCI: setting IRQ {isa} as level-triggered"));
                _platform.SetPicLevelTriggered(isa);
            }
        }

        // On irq 2 this meets native_init_IRQ()'s "cascade" action (no_action, IRQF_NO_THREAD, not shared): __setup_irq()
        // refuses the device with "Flags mismatch" and -EBUSY, as for any other busy irq.
        var desc = _irqs[isa]!;
        AddAction(desc, r);
        if (!desc.Started)
        {
            desc.Started = true;
            desc.Masked = false;
            _platform.SetPicMask(isa, false);
        }

        _byDeviceIndex[Key(r.Device, 0)] = desc;
        return isa;
    }

    private int RequestIoApicPin(DeviceRequest r, int ioapic, int pin)
    {
        if ((uint)ioapic >= (uint)_gsiBase.Length || (uint)pin >= (uint)Options.IoApicPins[ioapic])
        {
            throw new KernelSetupException(string.Create(CultureInfo.InvariantCulture,
                $"{r.Name}: IO-APIC {ioapic} pin {pin} does not exist"), Einval);
        }

        var gsi = _gsiBase[ioapic] + pin;
        var irq = IrqOfGsi(ioapic, gsi);
        var desc = DescAt(irq);
        if (desc is null)
        {
            var flow = r.Level ? IrqFlow.FastEoi : IrqFlow.Edge;
            desc = new IrqDesc(irq, Options.Cpus, IrqChipKind.IoApic, "IO-APIC", pin, hasDomain: true, flow, r.Level ? "fasteoi" : "edge")
            {
                IoApic = ioapic,
                Pin = pin,
                Level = r.Level,
                ActiveLow = r.ActiveLow,
            };
            StoreDesc(desc);
        }

        AddAction(desc, r);
        if (!desc.Started)
        {
            var mask = r.Affinity.Count > 0 ? r.Affinity.ToArray() : _allCpus;

            // A legacy irq (0-15 while there is a PIC: nr_legacy_irqs()) was reserved by setup_IO_APIC_irqs() at boot, which the
            // model leaves out; any other pin is reserved when the device is enabled (mp_map_pin_to_irq()), just before the
            // driver's request_irq() activates it.
            var reserved = irq >= VectorSpace.NrIrqsLegacy || !Options.HasPic;
            if (reserved)
            {
                ReserveIrqVector();
            }

            int vector;
            int cpu;
            try
            {
                vector = AllocVector(desc.Irq, r.Name, mask, reserved, out cpu);
            }
            catch (KernelSetupException)
            {
                if (reserved)
                {
                    Matrix.RemoveReserved();
                }

                // __setup_irq() (kernel/irq/manage.c) activates the irq (irq_activate()) before it links the new action into
                // desc->action, so a failed activation leaves the irq without it: no action name in /proc/interrupts.
                desc.RemoveActions(r.Device);
                throw;
            }

            Activate(desc, vector, cpu);
            _platform.ProgramIoApicPin(ioapic, pin, vector, cpu, desc.Level, desc.ActiveLow, masked: false);
        }

        _byDeviceIndex[Key(r.Device, 0)] = desc;
        return irq;
    }

    /// <summary>
    /// The irq of a GSI (<c>mp_map_gsi_to_irq()</c> → <c>mp_map_pin_to_irq()</c> → <c>alloc_irq_from_domain()</c>,
    /// arch/x86/kernel/apic/io_apic.c). The IO-APIC hosting the legacy irqs has a static domain: irq = GSI, with the ISA
    /// override of the PC wiring while a PIC exists (ISA IRQ 0 is GSI 2, so GSI 2 is irq 0); its GSI 0 has no ISA entry and
    /// then gets a dynamic irq (<c>nr_legacy_irqs()</c> = 16: the domain "dynamically allocate[s] IRQ number for non-ISA IRQs
    /// in the first 16 GSIs"). Without a PIC <c>nr_legacy_irqs()</c> is 0 and every GSI of that IO-APIC is its own irq
    /// (GSI 2, ISA IRQ 0, is irq 2; GSI 0 is irq 0). An IO-APIC whose GSI base is 16 or more has an
    /// <c>IOAPIC_DOMAIN_DYNAMIC</c> domain (<c>acpi_parse_ioapic()</c>): each pin gets the next dynamic irq when it is first
    /// mapped, in request order, as MSI irqs do. A GSI keeps its irq once mapped (shared lines).
    /// </summary>
    private int IrqOfGsi(int ioapic, int gsi)
    {
        if (_gsiIrq[gsi] >= 0)
        {
            return _gsiIrq[gsi];
        }

        int irq;
        if (_gsiBase[ioapic] >= VectorSpace.NrIrqsLegacy || (gsi == 0 && Options.HasPic))
        {
            irq = NextDynamicIrq();
            _nextDynamicIrq = irq + 1;
        }
        else
        {
            // mp_map_pin_to_irq(): GSI 2 carries ISA IRQ 0 (srcbusirq 0), a legacy irq only while a PIC exists
            // (mp_is_legacy_irq(): irq < nr_legacy_irqs()); without one the static domain maps irq = GSI.
            irq = gsi == 2 && Options.HasPic ? 0 : gsi;
        }

        _gsiIrq[gsi] = irq;
        return irq;
    }

    private List<int> RequestMsi(DeviceRequest r)
    {
        var msix = r.Kind == DeviceLineKind.MsiX;
        if (r.Vectors < 1 || (!msix && r.Vectors > 32) || r.Vectors > 2048)
        {
            throw new KernelSetupException(string.Create(CultureInfo.InvariantCulture,
                $"{r.Name}: {r.Vectors} {(msix ? "MSI-X" : "MSI")} vectors requested"), Einval);
        }

        // The x86 PCI/MSI domain lacks MSI_FLAG_MULTI_PCI_MSI (only interrupt remapping sets it), so msi_capability_init()
        // (drivers/pci/msi/msi.c) answers a multi-message request with 1 ("Reject multi-MSI early on irq domain enabled
        // architectures") and __pci_enable_msi_range() retries with that many: pci_alloc_irq_vectors(dev, 1, n,
        // PCI_IRQ_MSI) silently gets a single vector (Multiple Message Enable 000).
        var count = msix ? r.Vectors : 1;
        var vectors = new int[count];
        var cpus = new int[count];
        var irqs = new int[count];
        var next = NextDynamicIrq();
        var bus = (r.Device + 1) & 0xff;
        var slot = ((r.Device + 1) >> 8) & 0x1f;
        var bdf = string.Create(CultureInfo.InvariantCulture, $"0000:{bus:x2}:{slot:x2}.0");
        var deviceChipName = Options.Version == KernelVersion.V6_1 ? "PCI-MSI" : (msix ? "PCI-MSIX-" : "PCI-MSI-") + bdf;

        // pci_alloc_irq_vectors() sets the device's chip on every irq it allocates (msi_domain_alloc() ->
        // irq_domain_set_hwirq_and_chip()) before any request_irq(): the chip name is registered even if a request fails.
        NoteChipName(deviceChipName);

        // pci_alloc_irq_vectors(): x86_vector_alloc_irqs() gives every vector only a global reservation (no info->mask, not
        // managed: assign_irq_vector_policy() -> reserve_irq_vector()); the vectors are assigned one by one when the driver
        // requests them (x86_vector_activate() -> activate_reserved()), each consuming its reservation.
        for (var i = 0; i < count; i++)
        {
            ReserveIrqVector();
        }

        for (var i = 0; i < count; i++)
        {
            irqs[i] = next + i;
            int[] mask = r.Affinity.Count > 0 ? [r.Affinity[i % r.Affinity.Count]] : _allCpus;
            try
            {
                vectors[i] = AllocVector(irqs[i], r.Name, mask, reserved: true, out cpus[i]);
            }
            catch (KernelSetupException)
            {
                // The driver gives up: the vectors it got are freed, and the irqs still holding only their reservation
                // (this one included) drop it (x86_vector_free_irqs() -> irq_matrix_remove_reserved()). Each vector it got
                // had been activated by its request_irq(), so free_irq() -> x86_vector_deactivate() -> clear_irq_vector()
                // leaves VECTOR_SHUTDOWN in its vector_irq slot.
                for (var j = 0; j < i; j++)
                {
                    _vectorIrq[cpus[j]].SetSentinel(vectors[j], VectorIrqKind.Shutdown);
                    Matrix.Free(cpus[j], vectors[j], false);
                }

                for (var j = i; j < count; j++)
                {
                    Matrix.RemoveReserved();
                }

                throw;
            }
        }

        var result = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            string chipName;
            long hwirq;
            if (Options.Version == KernelVersion.V6_1)
            {
                // Global PCI-MSI domain: hwirq = msi_index | pci_dev_id << 11 | domain << 27.
                chipName = deviceChipName;
                hwirq = i + ((long)((bus << 8) | (slot << 3)) << 11);
            }
            else
            {
                chipName = deviceChipName;
                hwirq = i;
            }

            var desc = new IrqDesc(irqs[i], Options.Cpus, msix ? IrqChipKind.PciMsiX : IrqChipKind.PciMsi, chipName, hwirq, hasDomain: true, IrqFlow.Edge, "edge")
            {
                Device = r.Device,
                MsiIndex = i,
            };
            StoreDesc(desc);
            AddAction(desc, r);
            Activate(desc, vectors[i], cpus[i]);
            _platform.ProgramMsi(r.Device, i, vectors[i], cpus[i]);
            _platform.SetMsiMask(r.Device, i, false);
            _byDeviceIndex[Key(r.Device, i)] = desc;
            result.Add(irqs[i]);
        }

        _nextDynamicIrq = next + count;
        return result;
    }

    private int NextDynamicIrq()
    {
        if (_nextDynamicIrq < 0)
        {
            // arch_dynirq_lower_bound() (arch/x86/kernel/apic/io_apic.c): dynamic irqs start at ioapic_dynirq_base when an
            // IO-APIC exists. Without one, 6.4+ ("x86/ioapic: Don't return 0 from arch_dynirq_lower_bound()") returns the core's
            // `from`, 1 (irq_domain_alloc_descs() turns the hint 0 into 1), and the search skips the 8259's irqs 0-15,
            // which exist only with a PIC. 6.1 returns gsi_top = 0, which with a PIC also lands on 16; 6.1 without an
            // IO-APIC or a PIC hands out irq 0, which the MSI code then takes as invalid (not modelled: 16 is used).
            // ioapic_dynirq_base is the end of the IO-APICs with a static domain (the first one's pins: IO-APICs with a GSI
            // base of 16 or more number their pins dynamically too). The 8259's irqs 0-15 exist with a PIC, so no dynamic
            // irq takes them even when those IO-APICs end below 16.
            _nextDynamicIrq = _ioapicDynirqBase > 0 ? _ioapicDynirqBase
                : _gsiTop > 0 ? _gsiTop
                : Options.Version == KernelVersion.V6_1 || Options.HasPic ? VectorSpace.NrIrqsLegacy
                : 1;
            if (Options.HasPic)
            {
                _nextDynamicIrq = Math.Max(_nextDynamicIrq, VectorSpace.NrIrqsLegacy);
            }
        }

        while (DescAt(_nextDynamicIrq) is not null)
        {
            _nextDynamicIrq++;
        }

        return _nextDynamicIrq;
    }

    private void Activate(IrqDesc desc, int vector, int cpu)
    {
        desc.Vector = vector;
        desc.Cpu = cpu;
        desc.Started = true;
        desc.Masked = false;
        _vectorIrq[cpu].SetDesc(vector, desc);
    }

    /// <summary>
    /// <c>activate_reserved()</c> → <c>assign_irq_vector_any_locked()</c>: the requested CPUs first, then any online CPU;
    /// -ENOSPC when the machine is out of vectors. Then, success or not, "Affinity broken due to vector space exhaustion."
    /// when the effective affinity lies outside the request: after a fallback it is the CPU the vector landed on; after a
    /// failure the irq is still parked where reservation mode put it (<c>vector_assign_managed_shutdown()</c>: the first
    /// online CPU), so a request that excludes that CPU gets the warning before the -ENOSPC (arch/x86/kernel/apic/vector.c).
    /// With <paramref name="reserved"/> the irq holds a global reservation, which the vector it gets consumes
    /// (<c>irq_matrix_alloc(..., resvd = apicd-&gt;has_reserved, ...)</c>: <c>global_reserved--</c>).
    /// </summary>
    private int AllocVector(int irq, string name, int[] mask, bool reserved, out int cpu)
    {
        var v = Matrix.Alloc(mask, reserved, out cpu);
        if (v < 0 && mask != _allCpus)
        {
            v = Matrix.Alloc(_allCpus, reserved, out cpu);
            if (v >= 0 || Array.IndexOf(mask, FirstOnlineCpu()) < 0)
            {
                _platform.Log(0, KernelLogLevel.Warning, string.Create(CultureInfo.InvariantCulture,
                    $"irq {irq}: Affinity broken due to vector space exhaustion."));
            }
        }

        if (v < 0)
        {
            throw new KernelSetupException(string.Create(CultureInfo.InvariantCulture,
                $"{name}: request_irq({irq}) failed: -ENOSPC (-28): irq_matrix_alloc() found no free vector in 0x{Matrix.AllocStart:x2}-0x{Matrix.AllocEnd - 1:x2} on any online CPU ({Options.Cpus} CPUs, {Matrix.TotalAllocated} vectors allocated)"),
                VectorMatrix.ENOSPC);
        }

        return v;
    }

    /// <summary>
    /// <c>reserve_irq_vector()</c> (arch/x86/kernel/apic/vector.c) → <c>irq_matrix_reserve()</c> (kernel/irq/matrix.c): a
    /// global reservation with no vector behind it, which warns (<c>pr_warn</c>) when the reservations already made equal the
    /// vectors still available on the online CPUs.
    /// </summary>
    private void ReserveIrqVector()
    {
        if (Matrix.Reserve())
        {
            _platform.Log(0, KernelLogLevel.Warning, "Interrupt reservation exceeds available resources");
        }
    }

    /// <summary><c>cpumask_first(cpu_online_mask)</c>.</summary>
    private int FirstOnlineCpu()
    {
        for (var c = 0; c < Options.Cpus; c++)
        {
            if (Matrix.IsOnline(c))
            {
                return c;
            }
        }

        return 0;
    }

    /// <summary><c>__setup_irq()</c> sharing rules: both IRQF_SHARED and the same trigger type, else "Flags mismatch" and -EBUSY.</summary>
    private void AddAction(IrqDesc desc, DeviceRequest r)
    {
        var trigger = r.Kind is DeviceLineKind.Msi or DeviceLineKind.MsiX
            ? 0u
            : r.Level ? (r.ActiveLow ? IrqfTriggerLow : IrqfTriggerHigh) : (r.ActiveLow ? IrqfTriggerFalling : IrqfTriggerRising);
        var flags = trigger | (r.Shared ? IrqfShared : 0);
        if (desc.ActionArray.Length > 0)
        {
            var old = desc.ActionArray[0];
            if ((old.Flags & flags & IrqfShared) == 0 || (old.Flags & IrqfTriggerMask) != trigger)
            {
                // pr_err() in kernel/irq/manage.c, whose pr_fmt(fmt) is "genirq: " fmt (every modelled version).
                var text = string.Create(CultureInfo.InvariantCulture,
                    $"genirq: Flags mismatch irq {desc.Irq}. {flags:x8} ({r.Name}) vs. {old.Flags:x8} ({old.Name})");
                _platform.Log(0, KernelLogLevel.Err, text);

                // __setup_irq() prints the mismatch once; the failure itself is the driver's request_irq() returning -EBUSY.
                throw new KernelSetupException(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Name}: request_irq({desc.Irq}) failed: -EBUSY (-16)"), Ebusy);
            }
        }

        desc.AddAction(new IrqAction(r.Device, r.Name, r.HandlerSymbol ?? r.Name + "_interrupt", r.Returns, r.CostNs, flags));
    }
}
