namespace IrqLab.Scenarios.Model;

/// <summary>The target of a <c>write</c>, <c>read</c> or register <c>expect</c>.</summary>
public sealed record RegisterRef
{
    /// <summary>Named, MSR, MMIO, port or IOAPIC.</summary>
    public RegisterKind Kind { get; init; }

    /// <summary>The CPU (named, MSR, MMIO); null inside a handler means the handler's CPU.</summary>
    public int? Cpu { get; init; }

    /// <summary>Register name: <c>apic.tpr</c> for Named, <c>redir.14</c> for IoApic.</summary>
    public string? Name { get; init; }

    /// <summary>MSR number, MMIO address or port.</summary>
    public ulong Address { get; init; }

    /// <summary>IOAPIC index for IoApic.</summary>
    public int IoApic { get; init; }

    /// <summary>Where it is written.</summary>
    public SourceMark Mark { get; init; }
}
