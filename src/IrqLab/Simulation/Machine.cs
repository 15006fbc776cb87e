using System.Diagnostics;
using System.Runtime.CompilerServices;
using IrqLab.Delivery;
using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using IrqLab.Hardware.IoApic;
using IrqLab.Hardware.Msi;
using IrqLab.Hardware.Pic;
using IrqLab.Kernel;
using IrqLab.Kernel.Entry;
using IrqLab.Scenarios.Model;
using IrqLab.Simulation.Output;
using IrqLab.Tracing;
using IrqLab.Vectors;

namespace IrqLab.Simulation;

/// <summary>
/// The whole simulated machine of one scenario: CPUs with their local APICs, the interrupt bus, IOAPICs, the
/// 8259 pair, devices, the Linux model (or bare handlers), the event queue and the run's records. The engine is a
/// discrete-event loop: time moves only through <c>advance</c> steps and <c>run.until</c>; at each instant every
/// CPU whose state changed is "pumped": it takes the highest-priority deliverable event at each instruction
/// boundary (between handler actions), exactly as the SDM's recognition rules say.
/// </summary>
internal sealed partial class Machine
{
    private readonly Scenario _scenario;
    private readonly SimulationOptions _options;
    private readonly CpuContext[] _cpus;
    private readonly InterruptBus _bus;
    private readonly bool _extendedDestinationId;
    private readonly IoApic[] _ioApics;
    private readonly Pic8259Pair? _pic;
    private readonly SimDevice[] _devices;
    private readonly Dictionary<string, SimDevice> _devicesByName = new(StringComparer.Ordinal);
    private readonly KernelModel? _kernel;
    private readonly VectorLayout _layout;
    private readonly EventQueue _queue = new();
    // FIFO of dirty CPUs: a ring as large as the CPU count (a CPU is queued at most once, see CpuContext.Dirty).
    private readonly int[] _dirtyRing;
    private int _dirtyHead;
    private int _dirtyCount;

    // Where IsIdle looks first (see IsIdle): the CPU it last found busy, and the CPU Settle last pumped.
    private int _busyCpuHint;
    private int _lastSettledCpu;
    private readonly ITraceSink[] _sinks;
    private readonly IdtDelivery _idtDelivery;
    private readonly FredDelivery _fredDelivery;
    private readonly HandlerSpec?[] _bareHandlers = new HandlerSpec?[VectorSpace.NrVectors];
    private readonly string[] _bareNames = new string[VectorSpace.NrVectors];
    private readonly bool _fred;
    private readonly bool _linux;
    // Linux addresses device interrupts (IO-APIC entries, MSI) as the logical "flat" driver does: logical destination
    // mode, destination 1 << cpu (apic_flat_64.c: dest_mode_logical, apic_flat_calc_apicid).
    private readonly bool _linuxLogicalFlatDestinations;
    private readonly EntryRoute _route;
    private readonly Platform _platform;
    private readonly Workloads _workloads;

    private readonly List<DispatchEntry> _dispatch = [];
    private readonly List<KeyValuePair<string, ReadValue>> _reads = [];
    private readonly Dictionary<string, int> _readIndex = new(StringComparer.Ordinal);
    private readonly List<ExpectEntry> _expects = [];
    private readonly List<MessageEntry> _messages = [];

    /// <summary>Texts of the kernel messages beyond <see cref="MaxMessages"/>, kept once each for <c>expect {message}</c>.</summary>
    private readonly HashSet<string> _unkeptMessageTexts = new(StringComparer.Ordinal);
    private readonly List<FaultEntry> _faults = [];
    private readonly List<VmExitEntry> _vmExits = [];

    /// <summary>VM exits beyond <see cref="MaxVmExits"/>, counted by reason and re-injection route, not kept.</summary>
    private readonly Dictionary<(string Reason, string? ReinjectedVia), long> _unkeptVmExits = [];
    private readonly List<string> _handlersSinceExpect = [];

    /// <summary>Guest handler actions already reported as not modelled inside a VM (each is said once per run).</summary>
    private readonly HashSet<Step> _ignoredGuestActions = new(ReferenceEqualityComparer.Instance);

    private readonly bool _tracksHandlers;
    private readonly int _logLimit;
    private readonly long _maxEntriesPerInstant;
    private readonly long _maxMachineWorkPerInstant;

    // The machine-wide livelock guard: the instant it counts for, handler entries on all CPUs in it, and the bus's
    // acceptance count when it began.
    private long _workInstantNs = -1;
    private long _entriesThisInstant;
    private long _acceptedBeforeInstant;

    // --max-events: the run stops when _events reaches it (long.MaxValue: no bound).
    private readonly long _eventLimit;
    private long _now;
    private long _dispatchSeq;
    private bool _dispatchTruncated;
    private long _messagesNotKept;
    private long _events;
    private bool _stopped;

    // Deferred handler resumes (Machine.Resumes.cs): whether this run may defer them at all, whether it does now (only
    // inside RunUntil's event loop), how many CPUs have one, and the key of the event being processed, which tells
    // whether a deferred resume's event would already have fired.
    private readonly bool _mayDeferResumes;
    private bool _deferResumes;
    private int _deferredResumes;
    private long _eventTimeNs;
    private long _eventSequence;

    // Conservation accounting (docs/simulation.md). Interrupt messages are counted where a local APIC accepts,
    // merges or refuses them (its own counters); these count what never reaches an APIC as a fixed interrupt.
    private long _delivered;
    private long _sourceRaised;
    private long _sourceCoalesced;
    private long _sourceDropped;

    // Cold state, declared after the engine's hot fields so that it does not move them in the object.

    // Port 0x61, whose status bits default_get_nmi_reason() reads on an NMI no handler claimed.
    private readonly NmiStatusControl _nmiStatusControl = new();

    // Trace events the kernel model emits while it dispatches an entry, held until the entry's slice opens
    // (DispatchLinux): only ever used in a traced run.
    private readonly List<TraceEvent> _heldTrace = [];
    private bool _holdTrace;

    // KVM's pr_*_ratelimited call sites for an unexpected VM exit: vcpu_unimpl() and dump_vmcs() (KvmUnexpectedExit).
    private readonly Kernel.RateLimit _kvmUnimplRateLimit = new();
    private readonly Kernel.RateLimit _dumpVmcsRateLimit = new();

    public Machine(Scenario scenario, SimulationOptions options)
    {
        _scenario = scenario;
        _options = options;
        _sinks = [.. options.Sinks];
        _logLimit = options.LogLimit;
        _maxEntriesPerInstant = options.MaxEntriesPerInstant;
        _maxMachineWorkPerInstant = options.MaxMachineWorkPerInstant;
        _eventLimit = options.MaxEvents ?? long.MaxValue;
        ArgumentOutOfRangeException.ThrowIfLessThan(_eventLimit, 1, nameof(options.MaxEvents));
        _tracksHandlers = scenario.Steps.Any(s => s is ExpectHandlersStep);
        var k = scenario.Kernel;
        _linux = k.Mode == KernelMode.Linux;
        _fred = k.Delivery == DeliveryKind.Fred;
        _route = _fred ? EntryRoute.Software : EntryRoute.Idt;
        _layout = VectorLayout.For(k.Version, k.IsEnabled("X86_LOCAL_APIC"));
        _platform = new Platform(this);

        var m = scenario.Machine;
        var apicOptions = new LocalApicOptions
        {
            TimerHz = m.ApicTimerHz,
            TscHz = m.TscHz,
            X2Apic = m.Apic == ApicMode.X2Apic,
            LinuxInit = _linux,

            // apic_flat_64.c: the logical flat driver up to 8 possible CPUs on 6.1-6.10, physflat above (and always
            // from mainline 6.12, which removed logical destination mode for 64-bit): physflat leaves LDR at 0.
            LinuxLogicalFlat = k.Version != KernelVersion.Latest && m.Cpus <= 8,
        };
        _linuxLogicalFlatDestinations = _linux && !apicOptions.X2Apic && apicOptions.LinuxLogicalFlat;
        _cpus = new CpuContext[m.Cpus];
        _dirtyRing = new int[Math.Max(1, m.Cpus)];
        var apics = new LocalApic[m.Cpus];
        for (var i = 0; i < m.Cpus; i++)
        {
            apics[i] = new LocalApic(i, (uint)i, _platform, apicOptions);
            _cpus[i] = new CpuContext(i, apics[i]);
        }

        // More than 255 CPUs (x2APIC, APIC IDs past 0xFE): no 8-bit MSI or IO-APIC destination reaches them, so the
        // machine is the one QEMU/KVM builds for that case (docs/simulation.md, "More than 255 CPUs"): the extended
        // destination ID (KVM_FEATURE_MSI_EXT_DEST_ID, APIC ID bits 14:8 in MSI address bits 11:5 and RTE bits 55:49)
        // and no legacy 0xFF broadcast (KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK), so 0xFF is APIC ID 255.
        _extendedDestinationId = m.Cpus > Scenarios.ScenarioReader.MaxXApicCpus;
        _bus = new InterruptBus(apics, legacyBroadcastQuirk: !_extendedDestinationId);
        _ioApics = new IoApic[m.IoApics.Count];
        for (var i = 0; i < _ioApics.Length; i++)
        {
            _ioApics[i] = new IoApic(m.IoApics[i].Id, m.IoApics[i].Pins, _platform, successiveEoiLimit: 0, extendedDestinationId: _extendedDestinationId);
        }

        _pic = m.Pic ? new Pic8259Pair(_platform) : null;

        for (var v = 0; v < VectorSpace.NrVectors; v++)
        {
            _bareNames[v] = "vector_0x" + v.ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var h in scenario.Handlers)
        {
            _bareHandlers[h.Vector] = h;
        }

        _devices = new SimDevice[scenario.Devices.Count];
        for (var i = 0; i < _devices.Length; i++)
        {
            _devices[i] = WireDevice(i, scenario.Devices[i]);
            _devicesByName[_devices[i].Name] = _devices[i];
        }

        _idtDelivery = new IdtDelivery(_linux ? BuildLinuxIdt() : BuildBareIdt());
        _fredDelivery = new FredDelivery(FredConfig.Linux());
        if (_linux)
        {
            _kernel = new KernelModel(
                new KernelOptions(k.Version, k.Variant, k.Delivery, k.Cfi, k.Config, m.Cpus,
                    [.. m.IoApics.Select(io => io.Pins)], m.Pic),
                _platform)
            {
                // handle_fasteoi_irq() EOIs and handle_level_irq() unmasks after their handlers: when their cost has been spent (Return).
                DeferFlowEnd = true,
            };
            InitLinuxApics();
            InitLinuxPic();
            for (var i = 0; i < _devices.Length; i++)
            {
                RequestDeviceIrq(_devices[i]);
            }
        }

        // Electrical idle level of every wired line (an active-low line idles high), present since reset: no edge.
        foreach (var d in _devices)
        {
            UpdateLine(d, sinceReset: true);
        }

        _workloads = new Workloads(this, scenario.Workload);
        InitVirtualization();
        _mayDeferResumes = _linux && _sinks.Length == 0 && options.MaxEvents is null && !options.EagerResumes;
    }

    public long Now => _now;

    private Idt BuildLinuxIdt() =>
        LinuxIdt.Build(_layout, v => _kernel is null || _kernel.SystemVectors.IsFilled(v), _scenario.Kernel.IsEnabled("IA32_EMULATION"));

    /// <summary>SCENARIOS.md §6: a present interrupt gate for each listed vector, not-present gates elsewhere.</summary>
    private Idt BuildBareIdt() => BareIdt.Build(_scenario.Handlers.Select(h => h.Vector));

    private SimDevice WireDevice(int index, DeviceSpec spec)
    {
        var d = new SimDevice(index, spec);
        if (spec.Line is { } line)
        {
            d.Trigger = line.Trigger;
            d.ActiveLow = line.Polarity == Polarity.Low;
            if (line.IoApic is { } io)
            {
                d.IoApic = io;
                d.Pin = line.Pin;
            }
            else if (line.Isa is { } isa)
            {
                // The usual PC wiring: ISA IRQ n reaches 8259 input n and IOAPIC 0 pin n (IRQ0 -> pin 2).
                d.PicIrq = isa;
                if (_ioApics.Length > 0)
                {
                    d.IoApic = 0;
                    d.Pin = VectorSpace.IsaIrqGsi(isa);
                }
            }
        }
        else
        {
            var msi = spec.Msix ?? spec.Msi!;
            // A linux-mode plain MSI function ends up with one enabled message whatever it is capable of: x86 without
            // interrupt remapping refuses multi-MSI and pci_alloc_irq_vectors() falls back to 1 (msi_capability_init(),
            // drivers/pci/msi/msi.c), so with Multiple Message Enable 000 it sends message 0 for every condition.
            var entries = spec.Msi is not null && msi.Address is null ? 1 : Math.Max(1, msi.Vectors);
            d.Msi = new MsiXTable(entries, _platform, _extendedDestinationId);
            if (msi.Address is { } address)
            {
                // Bare mode: the scenario programmed the message; the function is enabled with the vector unmasked
                // (plain MSI has no per-vector mask unless the capability says so; MSI-X entries are unmasked too).
                d.Msi.SetEntry(0, new MsiMessage(address, msi.Data ?? 0));
                d.Msi.SetMasked(0, false);
            }
        }

        return d;
    }

    /// <summary>
    /// <c>init_8259A()</c> (arch/x86/kernel/i8259.c): edge, cascade, vectors ISA_IRQ_VECTOR(0) = 0x30 and 0x38, slave on
    /// IRQ2, 8086 mode; every input masked except the cascade (request_irq unmasks what it uses). Without an IOAPIC the
    /// master expects normal EOI (<c>init_ISA_irqs()</c>: <c>init_8259A(0)</c>). With an IOAPIC the 8259 stays fully
    /// masked (legacy IRQs go through IOAPIC pins), and its last initialization is <c>check_timer()</c>'s
    /// (arch/x86/kernel/apic/io_apic.c, run by <c>setup_IO_APIC()</c> whenever <c>nr_legacy_irqs()</c>): it masks LVT0
    /// and calls <c>legacy_pic-&gt;init(1)</c>, so the master is left in auto-EOI mode (ICW4 = MASTER_ICW4_DEFAULT |
    /// PIC_ICW4_AEOI) and the slave in normal EOI.
    /// </summary>
    private void InitLinuxPic()
    {
        if (_pic is not { } pic)
        {
            return;
        }

        // ICW4: 8086 mode, and auto-EOI where the kernel's last init_8259A() asked for it (KernelModel.I8259AutoEoi).
        var masterIcw4 = _kernel!.I8259AutoEoi ? (byte)0x03 : (byte)0x01;
        (ushort Port, byte Value)[] init =
        [
            (0x20, 0x11), (0x21, (byte)VectorSpace.IsaIrqVector(0)), (0x21, 0x04), (0x21, masterIcw4),
            (0xA0, 0x11), (0xA1, (byte)VectorSpace.IsaIrqVector(8)), (0xA1, 0x02), (0xA1, 0x01),
            (0x21, _ioApics.Length == 0 ? (byte)0xFB : (byte)0xFF), (0xA1, 0xFF),
        ];
        foreach (var (port, value) in init)
        {
            pic.WritePort(port, value);
        }
    }

    private void InitLinuxApics()
    {
        // What Linux programs at boot (arch/x86/kernel/apic/apic.c setup_local_APIC): error LVT on
        // ERROR_APIC_VECTOR, LINT0 ExtINT only for the PIC-only virtual-wire case on the BSP, LINT1 NMI on the BSP.
        var picOnly = _ioApics.Length == 0 && _pic is not null;
        foreach (var c in _cpus)
        {
            c.Apic.WriteRegister(ApicRegister.LvtError, 0xFE);
            c.Apic.WriteRegister(ApicRegister.LvtLint0, c.Index == 0 && picOnly ? 0x700UL : 0x10700UL);
            c.Apic.WriteRegister(ApicRegister.LvtLint1, c.Index == 0 ? 0x400UL : 0x10400UL);
        }
    }

    private void RequestDeviceIrq(SimDevice d)
    {
        var spec = d.Spec;
        DeviceLineKind kind;
        if (d.Msi is not null)
        {
            kind = spec.Msix is not null ? DeviceLineKind.MsiX : DeviceLineKind.Msi;
        }
        else if (d.IoApic >= 0)
        {
            kind = spec.Line!.Isa is not null ? DeviceLineKind.Isa : DeviceLineKind.IoApicPin;
        }
        else
        {
            kind = DeviceLineKind.Isa;
        }

        var msi = spec.Msix ?? spec.Msi;
        try
        {
            RequestIrqChecked(d, kind, msi);
        }
        catch (KernelSetupException e)
        {
            // request_irq()/pci_alloc_irq_vectors() failed: the driver's probe fails, the device stays silent.
            AddMessage(0, "err", e.Message);
            d.Unbound = true;
        }
    }

    private void RequestIrqChecked(SimDevice d, DeviceLineKind kind, MsiSpec? msi)
    {
        var spec = d.Spec;
        _kernel!.RequestIrq(new DeviceRequest(
            d.Index, d.Name, kind, Math.Max(0, d.IoApic), Math.Max(0, d.Pin), Math.Max(0, d.PicIrq),
            d.Trigger == TriggerMode.Level, d.ActiveLow, spec.Shared,
            msi?.Vectors ?? 1, msi?.Affinity ?? [], spec.Handler.Returns, spec.Handler.CostNs));
    }

    // ---------------------------------------------------------------- the run

    public RunResult Run()
    {
        var wall = Stopwatch.StartNew();
        _workloads.Start();
        var next = 0;
        for (; next < _scenario.Steps.Count && !_stopped; next++)
        {
            if (ReachedEventLimit())
            {
                break;
            }

            // Counted before it runs: a step cut short by the bound (an advance) is one of the events that reached it.
            _events++;
            ExecuteStep(next, _scenario.Steps[next]);
        }

        if (!_stopped)
        {
            if (_scenario.RunUntilNs is { } until)
            {
                RunUntil(until);
            }
            else
            {
                RunUntilIdle();
            }
        }

        if (_stopped)
        {
            FailUnreachedExpects(next);
        }

        foreach (var s in _sinks)
        {
            s.Complete(_now);
        }

        wall.Stop();
        return BuildResult(wall.Elapsed.TotalMilliseconds);
    }

    /// <summary>Runs every event up to and including <paramref name="endNs"/>, then sets the clock to it.</summary>
    private void RunUntil(long endNs)
    {
        // Boot ends when time first moves: sysvec_install() after this point is refused as after setup. An advance of 0
        // moves no time, so an install after it is still an init-time one.
        if (endNs > _now && _kernel is { IsSetupComplete: false })
        {
            _kernel.CompleteSetup();
        }

        Settle();
        _deferResumes = _mayDeferResumes;
        while (RunBatch(endNs))
        {
        }

        if (_deferResumes)
        {
            _deferResumes = false;
            if (!_stopped)
            {
                // Every event due by endNs has run: so has every deferred resume due by then.
                _eventTimeNs = endNs;
                _eventSequence = long.MaxValue;
            }

            MaterializeResumes();
        }

        if (!_stopped && endNs > _now)
        {
            _now = endNs;
        }
    }

    /// <summary>
    /// Runs up to <see cref="BatchSize"/> events due at or before <paramref name="endNs"/>; false when the run is over.
    /// The loop lives here rather than in <see cref="RunUntil"/> so that tiered compilation promotes it as a method
    /// called many times (full optimisation with profile data) instead of patching the one long-running call (OSR).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RunBatch(long endNs)
    {
        // --max-events is checked once per batch: a batch runs at most the events left (each adds at most one to
        // _events). The bound stops the run only when an event is still due, so a run that needs exactly the bound is
        // complete.
        var left = _eventLimit - _events;
        if (left <= 0)
        {
            if (!_stopped && _queue.Count > 0 && _queue.PeekTime <= endNs)
            {
                StopAtEventLimit();
            }

            return false;
        }

        var batch = left < BatchSize ? (int)left : BatchSize;
        for (var i = 0; i < batch; i++)
        {
            if (_stopped || !_queue.TryPop(endNs, out var ev))
            {
                return false;
            }

            ProcessEvent(ev);
        }

        return true;
    }

    private const int BatchSize = 1024;

    /// <summary>Runs until only periodic generators are left (no handler busy, no one-shot timer), or the horizon.</summary>
    private void RunUntilIdle()
    {
        if (_kernel is { IsSetupComplete: false })
        {
            _kernel.CompleteSetup();
        }

        Settle();
        var horizon = TimeAfter(_now, _options.IdleHorizonNs);
        while (!_stopped && _queue.Count > 0 && !IsIdle())
        {
            // At the end of simulated time nothing can wait any longer: a machine still busy there is not idle.
            if (_queue.PeekTime > horizon || _now == long.MaxValue)
            {
                _now = horizon;
                AddMessage(-1, "warning", $"irqlab: the machine did not become idle within {_options.IdleHorizonNs / 1_000_000} ms after the last step; run stopped (set run.until to run longer)");
                return;
            }

            // Checked after the horizon, as RunBatch checks it against its end: the bound stops the run only when an
            // event is still due, so a run the horizon ends after exactly --max-events events is complete.
            if (ReachedEventLimit())
            {
                return;
            }

            ProcessNextEvent();
        }
    }

    /// <summary>True, and the run stopped with a warning, once <see cref="SimulationOptions.MaxEvents"/> events ran.</summary>
    private bool ReachedEventLimit()
    {
        if (_events < _eventLimit)
        {
            return false;
        }

        StopAtEventLimit();
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StopAtEventLimit()
    {
        AddMessage(-1, "warning", $"irqlab: run stopped at {_now} ns after {_events} events (--max-events {_eventLimit}); the rest of the run was not simulated");
        _stopped = true;
    }

    /// <summary>
    /// The expect steps from <paramref name="from"/> on, which a stopped run (livelock, <c>--max-events</c>) never
    /// reached: each fails, so <c>irqlab check</c> does not pass a run that was cut short.
    /// </summary>
    private void FailUnreachedExpects(int from)
    {
        for (var i = from; i < _scenario.Steps.Count; i++)
        {
            if (_scenario.Steps[i] is ExpectStep e)
            {
                _expects.Add(new ExpectEntry(i, false, $"not reached: the run stopped at {_now} ns before this step", e.Mark.Line));
            }
        }
    }

    /// <summary>CPUs <see cref="IsIdle"/> examined in this run (a test measures the scan's cost by it).</summary>
    internal long IdleCpuChecks { get; private set; }

    /// <summary>
    /// Whether the machine has nothing left to do: no CPU busy and no finite workload. A run "until idle" asks after
    /// every event, and scanning from CPU 0 each time cost up to the CPU count per event (a storm on CPU 4095 of 4096:
    /// 4096 checks per event). So it looks first at the CPU it last found busy, then at the CPU <see cref="Settle"/>
    /// last pumped (the one an IPI just made busy), and only then scans all CPUs, from the first of them on. Where it
    /// looks first changes its cost, never its answer.
    /// </summary>
    private bool IsIdle()
    {
        var cpus = _cpus;
        var start = _busyCpuHint;
        IdleCpuChecks++;
        if (IsBusy(cpus[start]))
        {
            return false;
        }

        IdleCpuChecks++;
        if (IsBusy(cpus[_lastSettledCpu]))
        {
            _busyCpuHint = _lastSettledCpu;
            return false;
        }

        for (var k = 1; k < cpus.Length; k++)
        {
            var i = start + k < cpus.Length ? start + k : start + k - cpus.Length;
            IdleCpuChecks++;
            if (IsBusy(cpus[i]))
            {
                _busyCpuHint = i;
                return false;
            }
        }

        return !_workloads.HasFiniteWork;
    }

    private static bool IsBusy(CpuContext c)
    {
        // A CPU halted for good in a handler (stop_this_cpu) is idle with that one frame left; a CPU in shutdown
        // (or waiting for a SIPI) with no NMI handler above the frames it shut down in is idle too: those frames
        // never run again (SDM Vol. 3A §6.15), so the time one of them had left to spend keeps nothing going.
        if ((c.Depth > 0 && c.Depth != c.HaltedDepth && !c.ExecutesNothing) || c.BusyUntilNs > 0)
        {
            return true;
        }

        var next = c.Apic.NextTimerEventNs;
        return next != long.MaxValue && !IsPeriodicTimer(c.Apic);
    }

    private static bool IsPeriodicTimer(LocalApic apic) => ((apic.PeekRegister(ApicRegister.LvtTimer) >> 17) & 3) == 1;

    private void ProcessNextEvent() => ProcessEvent(_queue.Pop());

    private void ProcessEvent(in SimEvent ev)
    {
        if (ev.TimeNs > _now)
        {
            _now = ev.TimeNs;
        }

        _eventTimeNs = ev.TimeNs;
        _eventSequence = ev.Sequence;

        if ((++_events & 0xFFF) == 0)
        {
            _options.Progress?.Invoke(_now, _scenario.RunUntilNs ?? 0);
        }

        switch (ev.Kind)
        {
            case SimEventKind.CpuResume:
                OnCpuResume(ev);
                break;
            case SimEventKind.ApicTimer:
                OnApicTimer(ev);
                break;
            case SimEventKind.DeviceArrival:
            case SimEventKind.IpiArrival:
                _workloads.OnArrival(ev);
                break;
            case SimEventKind.WatchdogTick:
                OnWatchdogTick();
                break;
            case SimEventKind.TraceActionBoundary:
                // Queued for the trace sinks only: not an event of the run, so stats.events stays that of an untraced run.
                _events--;
                OnTraceActionBoundary(ev);
                break;
        }

        Settle();
    }

    private void OnCpuResume(in SimEvent ev)
    {
        var c = _cpus[ev.Target];
        if (ev.Generation != c.Generation || c.BusyUntilNs != ev.TimeNs)
        {
            return;
        }

        c.BusyUntilNs = 0;
        if (_dirtyCount == 0 && !c.Dirty)
        {
            // Nothing else waits at this instant: pump the CPU now rather than through the dirty ring.
            Pump(c);
            return;
        }

        MarkDirty(c.Index);
    }

    private void OnApicTimer(in SimEvent ev)
    {
        var c = _cpus[ev.Target];
        if (ev.Generation != c.TimerGeneration || c.Apic.NextTimerEventNs != ev.TimeNs)
        {
            return;
        }

        // The expiry re-arms a periodic timer and reports it through TimerChanged, which queues the next event.
        c.Apic.OnTimer(_now);
    }

    /// <summary>
    /// The hard-lockup detector (kernel/watchdog_perf.c, arch/x86/kernel/apic/hw_nmi.c): a perf counter per CPU
    /// overflows every watchdog_thresh = 10 s and interrupts through LVT PMC as the CPU's LVT says. In Linux mode
    /// that is the entry Linux programmed (<c>perf_events_lapic_init()</c>: NMI) and re-arms in its NMI handler
    /// (<see cref="PerfEventNmiHandler"/>), so a CPU whose LVT PMC is masked (by a scenario write, an INIT, a
    /// software-disabled or globally disabled APIC) takes no NMI. A bare machine has no kernel to re-arm it: the
    /// detector programs the entry as NMI on every tick.
    /// </summary>
    private void OnWatchdogTick()
    {
        foreach (var c in _cpus)
        {
            if (!_linux)
            {
                c.Apic.WriteRegister(ApicRegister.LvtPmc, 0x400);
            }

            c.PmcOverflow = true;
            c.Apic.RaiseLocal(LocalInterrupt.Pmc);
        }

        _queue.Push(_now + WatchdogPeriodNs, SimEventKind.WatchdogTick, 0);
    }

    /// <summary>
    /// <c>perf_event_nmi_handler()</c> (arch/x86/events/core.c), an NMI_LOCAL handler that <c>exc_nmi()</c> runs on
    /// every NMI of an online CPU once the hard-lockup detector's perf event is active: the PMU's handle_irq
    /// (<c>x86_pmu_handle_irq()</c>, <c>intel_pmu_handle_irq()</c>) writes <c>APIC_LVTPC = APIC_DM_NMI</c>, unmasking
    /// the entry the APIC masked when it delivered the PMI, and a counter overflow it finds counts as PMI. True when it
    /// claimed the NMI (it found an overflow).
    /// </summary>
    private bool PerfEventNmiHandler(CpuContext c)
    {
        // Without the watchdog no perf event is active: the handler returns NMI_DONE at once (active_events == 0).
        if (!_scenario.Machine.NmiWatchdog)
        {
            return false;
        }

        c.Apic.WriteRegister(ApicRegister.LvtPmc, 0x400);
        if (!c.PmcOverflow)
        {
            return false;
        }

        c.PmcOverflow = false;
        _kernel!.ProcInterrupts.Increment(Kernel.Proc.ArchRow.Pmi, c.Index);
        return true;
    }

    /// <summary>
    /// <c>default_do_nmi()</c> (arch/x86/kernel/nmi.c), which <c>exc_nmi()</c> runs on an online CPU after counting the
    /// NMI, on the host path and on KVM's NMI exit alike: the NMI_LOCAL handlers first (the model's one is
    /// <see cref="PerfEventNmiHandler"/>); an NMI none of them claims is an unknown NMI
    /// (<see cref="KernelModel.UnknownNmi"/>). On a CPU <c>stop_this_cpu()</c> took offline <c>exc_nmi()</c> has
    /// already returned.
    /// </summary>
    private void DefaultDoNmi(CpuContext c)
    {
        if (!_kernel!.IsCpuOnline(c.Index) || PerfEventNmiHandler(c))
        {
            return;
        }

        _kernel.UnknownNmi(c.Index);
    }

    /// <summary>
    /// <paramref name="now"/> + <paramref name="ns"/> (both non-negative), capped at <see cref="long.MaxValue"/>: simulated
    /// time ends at 2^63 - 1 ns, the largest duration a scenario can write, so an advance, a handler's time or the
    /// "until idle" horizon that would pass it ends there instead of wrapping to a negative time.
    /// </summary>
    private static long TimeAfter(long now, long ns) => ns > long.MaxValue - now ? long.MaxValue : now + ns;

    /// <summary>watchdog_thresh (default 10 s) as the hard-lockup detector's NMI period.</summary>
    private const long WatchdogPeriodNs = 10_000_000_000;

    private void ScheduleTimer(CpuContext c)
    {
        c.TimerGeneration++;
        var next = c.Apic.NextTimerEventNs;
        if (next != long.MaxValue)
        {
            _queue.Push(Math.Max(next, _now), SimEventKind.ApicTimer, c.Index, c.TimerGeneration);
        }
    }

    private void MarkDirty(int cpu)
    {
        var c = _cpus[cpu];
        MaterializeResumeOf(c);

        if (c.Pumping)
        {
            // The CPU's own pump is running (e.g. the handler it entered wrote EOI): the pump looks for events again
            // before it stops, or queues the CPU once more if it stops without looking (see Pump).
            c.ChangedWhilePumping = true;
            return;
        }

        QueueDirty(c);
    }

    private void QueueDirty(CpuContext c)
    {
        if (!c.Dirty)
        {
            c.Dirty = true;
            var tail = _dirtyHead + _dirtyCount;
            _dirtyRing[tail < _dirtyRing.Length ? tail : tail - _dirtyRing.Length] = c.Index;
            _dirtyCount++;
        }
    }

    /// <summary>Pumps every CPU whose state changed until none is left: the machine is then stable at this instant.</summary>
    private void Settle()
    {
        while (_dirtyCount > 0 && !_stopped)
        {
            var cpu = _dirtyRing[_dirtyHead];
            _dirtyHead = _dirtyHead + 1 == _dirtyRing.Length ? 0 : _dirtyHead + 1;
            _dirtyCount--;
            var c = _cpus[cpu];
            c.Dirty = false;
            _lastSettledCpu = cpu;
            Pump(c);
        }
    }
}
