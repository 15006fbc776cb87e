using System.Diagnostics;
using System.Runtime.CompilerServices;
using IrqLab.Delivery;
using IrqLab.Hardware.Apic;

namespace IrqLab.Simulation;

/// <summary>One simulated CPU: its local APIC, its interrupt gating state and its stack of handler frames.</summary>
internal sealed class CpuContext
{
    private Frame[] _frames = new Frame[8];

    public CpuContext(int index, LocalApic apic)
    {
        Index = index;
        Apic = apic;
        for (var i = 0; i < _frames.Length; i++)
        {
            _frames[i] = new Frame();
        }
    }

    public int Index { get; }

    public LocalApic Apic { get; }

    private readonly CpuInterruptState _state = new() { If = true };
    private int _depth;

    /// <summary>
    /// The interrupt gating state. Like <see cref="Depth"/> and <see cref="Top"/>, not read while the CPU's resume is
    /// deferred (<see cref="DeferredSequence"/>): the engine materializes the resume first (checked in debug builds).
    /// </summary>
    public CpuInterruptState State
    {
        get
        {
            Debug.Assert(DeferredSequence < 0, "CPU state read while its resume is deferred");
            return _state;
        }
    }

    /// <summary>Number of active frames (0 = running the interrupted program / idle).</summary>
    public int Depth
    {
        get
        {
            Debug.Assert(DeferredSequence < 0, "CPU frames read while its resume is deferred");
            return _depth;
        }

        private set => _depth = value;
    }

    /// <summary>While the top frame spends time, the time it is done; else 0.</summary>
    public long BusyUntilNs;

    /// <summary>
    /// The queue sequence reserved for this CPU's resume at <see cref="BusyUntilNs"/> while that resume is deferred
    /// (not queued, see <c>Machine.DeferResume</c>); -1 when none is.
    /// </summary>
    public long DeferredSequence = -1;

    /// <summary>Bumped whenever a queued resume becomes stale (the frame was preempted).</summary>
    public long Generation;

    /// <summary>Generation of the APIC timer event, bumped when it is re-armed.</summary>
    public long TimerGeneration;

    /// <summary>An NMI is pending (at most one: a second one while pending is merged, SDM 6.7.1).</summary>
    public bool NmiPending;

    /// <summary>
    /// The watchdog's perf counter overflowed and no NMI handler has handled it yet (its overflow status bit: the next
    /// NMI handler that runs <c>perf_event_nmi_handler()</c> counts it as PMI; two overflows before then are one bit).
    /// </summary>
    public bool PmcOverflow;

    /// <summary>An ExtINT from the 8259 (LINT0 virtual wire) waits for INTA.</summary>
    public bool ExtIntPending;

    /// <summary>
    /// The pending ExtINT came with an ExtINT message (an edge): its INTA is owed even if the 8259's INT drops or LINT0 is
    /// masked before it (only with <see cref="ExtIntPending"/>; cleared with it).
    /// </summary>
    public bool ExtIntLatched;

    /// <summary>
    /// The CPU is in shutdown (a triple fault, or a machine check while MCIP is set): it executes nothing until an NMI
    /// or an INIT (SDM Vol. 3A §6.15, interrupt 8). An NMI handler taken in shutdown runs above
    /// <see cref="ShutdownDepth"/>; when it returns the CPU is in shutdown again.
    /// </summary>
    public bool Shutdown;

    /// <summary>Frame depth at which the CPU shut down: the frames at and below it never run again.</summary>
    public int ShutdownDepth;

    /// <summary>
    /// The CPU shut down while NMIs were blocked (in an NMI handler): "only a hardware reset can restart the processor"
    /// (SDM Vol. 3A §6.15), so NMIs are dropped and an INIT does nothing.
    /// </summary>
    public bool ShutdownInNmi;

    /// <summary>
    /// An application processor in wait-for-SIPI state after an INIT (SDM Vol. 3A §8.4.1, §11.6.1): it executes
    /// nothing and takes no event (NMIs are blocked, held pending, SDM Vol. 3C §28.2) until a start-up IPI.
    /// </summary>
    public bool WaitForSipi;

    /// <summary>
    /// No instruction runs: waiting for a SIPI, or in shutdown outside an NMI handler taken there (only an NMI can
    /// start one, <see cref="Shutdown"/>).
    /// </summary>
    public bool ExecutesNothing => WaitForSipi || (Shutdown && Depth <= ShutdownDepth);

    /// <summary>
    /// In the HLT loop of <c>stop_this_cpu()</c> (<see cref="HaltedDepth"/>), not in an NMI handler taken there: the only
    /// instruction is HLT, which raises no exception.
    /// </summary>
    public bool InHaltLoop => HaltedDepth != 0 && Depth == HaltedDepth;

    /// <summary>
    /// The interrupted program never runs again until an INIT: the CPU is shut down, waits for a SIPI, or halts for
    /// good in <c>stop_this_cpu()</c> (<see cref="HaltedDepth"/>). Scenario steps and IPI workloads that the
    /// program would execute on this CPU do not happen.
    /// </summary>
    public bool RunsNoProgram => Shutdown || WaitForSipi || HaltedDepth != 0;

    /// <summary>
    /// IA32_MCG_STATUS (MSR 0x17A) bits 3:0 (RIPV, EIPV, MCIP, LMCE_S): a machine check sets MCIP (bit 2) and software
    /// clears it; a machine check while MCIP is set shuts the CPU down (SDM Vol. 3B §16.3.1.2).
    /// </summary>
    public ulong McgStatus;

    /// <summary>
    /// The FRED MSRs of this CPU under FRED delivery (IA32_FRED_CONFIG 0x1D4, IA32_FRED_STKLVLS 0x1D0,
    /// IA32_FRED_RSP0..3 0x1CC-0x1CF) once a step or action has written one (FRED spec §4, "FRED MSRs"); null until then,
    /// when RDMSR returns the values FRED delivery uses (kept out of line: this object is on the per-interrupt path).
    /// Unused under IDT delivery, where RDMSR/WRMSR of them raise #GP as of any MSR the model lacks.
    /// </summary>
    public StrongBox<FredConfig>? FredMsrs;

    /// <summary>
    /// Depth of the handler frame that halts for good (Linux <c>stop_this_cpu()</c>: <c>for (;;) native_halt()</c>
    /// with IF = 0); 0 when none. That frame never returns; NMIs nest above it and return to it.
    /// </summary>
    public int HaltedDepth;

    /// <summary>
    /// The frame at <see cref="HaltedDepth"/> busy-waits rather than halts (<c>irq_wait_on_inprogress()</c> on the CPU that
    /// runs the irq's handler, <c>IKernelPlatform.SpinForever</c>); it takes the same events as the halt loop.
    /// </summary>
    public bool HaltSpins;

    /// <summary>Queued in the engine's dirty list.</summary>
    public bool Dirty;

    /// <summary>Being pumped: a change now is seen by the pump's next recognition, or re-queues the CPU when it stops.</summary>
    public bool Pumping;

    /// <summary>Changed while <see cref="Pumping"/> since the pump last looked for an event.</summary>
    public bool ChangedWhilePumping;

    /// <summary>Handler entries at the current instant, for the livelock guard.</summary>
    public long EntriesThisInstant;

    /// <summary>Time <see cref="EntriesThisInstant"/> counts for.</summary>
    public long InstantNs = -1;

    public Frame Top => _frames[Depth - 1];

    /// <summary>The vCPU currently loaded on this CPU (the one that is or was last in guest mode), if any.</summary>
    public Vcpu? Loaded;

    /// <summary>The frame at stack position <paramref name="i"/> (0 = bottom).</summary>
    public Frame FrameAt(int i) => _frames[i];

    /// <summary>Pushes a frame (reset for reuse). The growth is out of line so that the JIT inlines the common case.</summary>
    public Frame Push()
    {
        if (Depth == _frames.Length)
        {
            GrowFrames();
        }

        var f = _frames[Depth++];
        f.Reset();
        return f;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void GrowFrames()
    {
        var grown = new Frame[_frames.Length * 2];
        Array.Copy(_frames, grown, _frames.Length);
        for (var i = _frames.Length; i < grown.Length; i++)
        {
            grown[i] = new Frame();
        }

        _frames = grown;
    }

    public Frame Pop() => _frames[--Depth];

    /// <summary>Puts back the frame <see cref="Pop"/> just returned, unchanged (a return that did not happen after all).</summary>
    public void Unpop() => Depth++;

    /// <summary>Drops every frame without returning from it (INIT resets the processor).</summary>
    public void DropFrames() => Depth = 0;
}
