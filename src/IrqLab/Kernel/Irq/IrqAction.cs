using IrqLab.Scenarios.Model;

namespace IrqLab.Kernel.Irq;

/// <summary>One <c>struct irqaction</c>: a driver's handler on an irq line, in request order.</summary>
public sealed class IrqAction
{
    private HandlerReturn _returns;

    internal IrqAction(int device, string name, string handlerSymbol, HandlerReturn returns, long costNs, uint flags)
    {
        Device = device;
        Name = name;
        HandlerSymbol = handlerSymbol;
        Returns = returns;
        CostNs = costNs;
        Flags = flags;
    }

    /// <summary>The device the action belongs to.</summary>
    public int Device { get; }

    /// <summary><c>action-&gt;name</c>.</summary>
    public string Name { get; }

    /// <summary>Symbol of the handler function (printed by "nobody cared" as <c>%ps</c>).</summary>
    public string HandlerSymbol { get; }

    /// <summary>What the handler returns.</summary>
    public HandlerReturn Returns
    {
        get => _returns;
        internal set
        {
            _returns = value;
            ReturnCode = value switch
            {
                HandlerReturn.Handled => 1,
                HandlerReturn.WakeThread => 2,
                _ => 0,
            };
        }
    }

    /// <summary>The <c>irqreturn_t</c> value of <see cref="Returns"/>: IRQ_NONE 0, IRQ_HANDLED 1, IRQ_WAKE_THREAD 2.</summary>
    internal int ReturnCode { get; private set; }

    /// <summary>Simulated time one call takes.</summary>
    public long CostNs { get; }

    /// <summary><c>IRQF_*</c> flags (IRQF_SHARED 0x80 and the trigger bits 0x1-0x8).</summary>
    public uint Flags { get; }

    /// <summary>
    /// The action was requested with a <c>thread_fn</c> (<c>request_threaded_irq</c>): a driver whose handler returns
    /// IRQ_WAKE_THREAD has one, so these are exactly the actions that return <see cref="HandlerReturn.WakeThread"/>.
    /// </summary>
    public bool HasThreadFn => _returns == HandlerReturn.WakeThread;

    /// <summary>
    /// Symbol of the <c>thread_fn</c> (printed by "nobody cared" after <c>threaded</c>): <c>&lt;name&gt;_thread_fn</c> for an
    /// action that has one (<see cref="HasThreadFn"/>), else null.
    /// </summary>
    public string? ThreadSymbol => HasThreadFn ? Name + "_thread_fn" : null;
}
