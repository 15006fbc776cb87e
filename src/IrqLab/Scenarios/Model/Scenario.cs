namespace IrqLab.Scenarios.Model;

/// <summary>A validated scenario (SCENARIOS.md §2): everything the simulator needs, names resolved, defaults applied.</summary>
public sealed record Scenario
{
    /// <summary>The file it came from (as given), for messages.</summary>
    public string File { get; init; } = "<inline>";

    /// <summary>Schema version (1).</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>Scenario name.</summary>
    public required string Name { get; init; }

    /// <summary>Free text.</summary>
    public string? Description { get; init; }

    /// <summary>Seed of all randomness.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The kernel section.</summary>
    public KernelSpec Kernel { get; init; } = new();

    /// <summary>The machine section.</summary>
    public MachineSpec Machine { get; init; } = new();

    /// <summary>Devices in declaration (= request) order.</summary>
    public IReadOnlyList<DeviceSpec> Devices { get; init; } = [];

    /// <summary>Bare-mode handlers.</summary>
    public IReadOnlyList<HandlerSpec> Handlers { get; init; } = [];

    /// <summary>VMs.</summary>
    public IReadOnlyList<VmSpec> Vms { get; init; } = [];

    /// <summary>Statistical load.</summary>
    public IReadOnlyList<WorkloadSpec> Workload { get; init; } = [];

    /// <summary>Steps, executed in order.</summary>
    public IReadOnlyList<Step> Steps { get; init; } = [];

    /// <summary><c>run.until</c> in ns; null = run until idle.</summary>
    public long? RunUntilNs { get; init; }
}
