using IrqLab.Delivery;
using IrqLab.Kernel.Irq;
using IrqLab.Scenarios.Model;

namespace IrqLab.Simulation;

/// <summary>
/// One handler activation on a CPU's stack: what runs, where it is in its action list, the time it still has to
/// spend, and what its return (IRET / ERETS) restores. Frames are pooled per CPU and reused.
/// </summary>
internal sealed class Frame
{
    public FrameKind Kind;
    public EventType Event;
    public int Vector;
    private IReadOnlyList<Step> _actions = [];

    /// <summary>The handler's actions (bare and guest handlers; none for a Linux handler).</summary>
    public IReadOnlyList<Step> Actions
    {
        get => _actions;
        set
        {
            _actions = value;
            ActionCount = value.Count;
        }
    }

    /// <summary>
    /// <c>Actions.Count</c>, kept in a field: every frame push and every step of a frame reads it, and a Linux frame
    /// (no actions) would otherwise pay an interface call for it each time.
    /// </summary>
    public int ActionCount { get; private set; }

    public int Pc;
    public long RemainingNs;
    public bool SavedIf;
    public bool IsNmi;
    public bool Fred;
    public string Handler = string.Empty;
    public int Irq = -1;

    /// <summary>A Linux frame whose flow end (fasteoi EOI, level unmask) for <see cref="Irq"/> is due at its return.</summary>
    public bool FlowEndAtReturn;

    /// <summary>
    /// A Linux frame of an edge irq whose edge came again, nested, while the frame's actions ran: it was left pending,
    /// and the frame replays the actions before it returns (<c>KernelModel.EndEdgeFlow</c>).
    /// </summary>
    public bool ReplayAtReturn;
    public int Vcpu = -1;
    public string? Vm;

    /// <summary>
    /// A Linux device frame in which a scenario step set IF: the index of the irq's action that was running then, whose
    /// return <c>__handle_irq_event_percpu()</c> checks with WARN_ONCE(!irqs_disabled()); -1 otherwise.
    /// </summary>
    public int IrqsEnabledAction = -1;

    /// <summary>Frames below this one of the same context (host, or the same VM): the logged <c>depth</c>; -1 until known.</summary>
    public int ContextDepth = -1;

    /// <summary>
    /// Traced runs only: the device actions of a Linux frame whose <c>irq_handler_exit</c> (and the next action's
    /// <c>irq_handler_entry</c>) are still due, or null. Set when the flow ran its actions, cleared by the last exit
    /// (at the latest the frame's return), so it stays null in a run without trace sinks.
    /// </summary>
    public IrqAction[]? TraceActions;

    /// <summary>Index in <see cref="TraceActions"/> of the action that is running.</summary>
    public int TraceAction;

    /// <summary>The frame's own time still to spend (ns) when the running action returns: the later actions' costs.</summary>
    public long TraceExitLeftNs;

    public void Reset()
    {
        // Most frames run no actions (Linux handlers): skip the reference store (and its GC write barrier) then.
        if (ActionCount != 0)
        {
            Actions = [];
        }

        Pc = 0;
        RemainingNs = 0;
        Irq = -1;
        FlowEndAtReturn = false;
        ReplayAtReturn = false;
        Vcpu = -1;
        Vm = null;
        TraceActions = null;
        ContextDepth = -1;
        IsNmi = false;
        Fred = false;
        IrqsEnabledAction = -1;
    }
}
