namespace IrqLab.Scenarios.Model;

/// <summary>Linux-mode <c>handler: {returns, cost}</c>.</summary>
public sealed record DeviceHandlerSpec
{
    /// <summary>handled, none or wake_thread.</summary>
    public HandlerReturn Returns { get; init; } = HandlerReturn.Handled;

    /// <summary>Simulated time the handler takes, in ns.</summary>
    public long CostNs { get; init; }
}
