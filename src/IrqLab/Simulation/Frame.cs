using IrqLab.Delivery;
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
    public IReadOnlyList<Step> Actions = [];
    public int Pc;
    public long RemainingNs;
    public bool SavedIf;
    public bool IsNmi;
    public bool Fred;
    public string Handler = string.Empty;
    public int Irq = -1;
    public int Vcpu = -1;
    public string? Vm;

    /// <summary>Frames below this one of the same context (host, or the same VM): the logged <c>depth</c>; -1 until known.</summary>
    public int ContextDepth = -1;

    public void Reset()
    {
        // Most frames run no actions (Linux handlers): skip the reference store (and its GC write barrier) then.
        if (Actions.Count != 0)
        {
            Actions = [];
        }

        Pc = 0;
        RemainingNs = 0;
        Irq = -1;
        Vcpu = -1;
        Vm = null;
        ContextDepth = -1;
        IsNmi = false;
        Fred = false;
    }
}
