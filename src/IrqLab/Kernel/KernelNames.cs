namespace IrqLab.Kernel;

/// <summary>The JSON spellings of the Kernel layer's enums (SCENARIOS.md §10).</summary>
public static class KernelNames
{
    /// <summary><c>sysvec_table</c>, <c>common_interrupt</c>, <c>idt_gate</c>, <c>exception</c> or <c>nmi</c>.</summary>
    public static string ToJsonName(this DispatchPath path) => path switch
    {
        DispatchPath.SysvecTable => "sysvec_table",
        DispatchPath.CommonInterrupt => "common_interrupt",
        DispatchPath.IdtGate => "idt_gate",
        DispatchPath.Exception => "exception",
        DispatchPath.Nmi => "nmi",
        _ => throw new ArgumentOutOfRangeException(nameof(path)),
    };

    /// <summary><c>emerg</c>, <c>alert</c>, <c>crit</c>, <c>err</c>, <c>warning</c>, <c>notice</c>, <c>info</c> or <c>debug</c>.</summary>
    public static string ToJsonName(this KernelLogLevel level) => level switch
    {
        KernelLogLevel.Emerg => "emerg",
        KernelLogLevel.Alert => "alert",
        KernelLogLevel.Crit => "crit",
        KernelLogLevel.Err => "err",
        KernelLogLevel.Warning => "warning",
        KernelLogLevel.Notice => "notice",
        KernelLogLevel.Info => "info",
        KernelLogLevel.Debug => "debug",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };
}
