using IrqLab.Scenarios;
using IrqLab.Simulation;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A guest handler's actions that are not modelled inside a VM are named in IrqLab's message by the scenario's own word
/// (SCENARIOS.md §6: read, write, raise, ...), as every message the user reads is in plain words (docs/cli.md), not by
/// the model's .NET type (ReadStep, WriteStep, DeviceStep), and placed by VM and vector rather than by a file line, so
/// the output is the same for the scenario written as YAML or JSON (SCENARIOS.md §1).
/// </summary>
public sealed class GuestActionMessageTests
{
    [Fact]
    public void Ignored_guest_actions_are_named_as_the_scenario_writes_them()
    {
        var scenario = ScenarioLoader.Parse("""
            irqlab: 1
            name: guest-action
            kernel: {version: latest, delivery: fred}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers:
                  - vector: 0x50
                    do: [{read: {cpu: 0, reg: apic.tpr, as: t}}, {write: {cpu: 0, reg: apic.tpr, value: 0}}, {ipi: {to: 0, mode: init}}, eoi]
            devices:
              - name: eth0
                msi: {vectors: 1, affinity: [0]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x50}}
              - {advance: 10us}
            """, "guest-action.yaml");

        var r = Simulator.Run(scenario);

        var ignored = r.Messages.Where(m => m.Text.StartsWith("irqlab: guest action ", StringComparison.Ordinal)).Select(m => m.Text);
        Assert.Equal(
        [
            "irqlab: guest action read in VM g0's handler for vector 0x50 is not modelled inside a VM; ignored",
            "irqlab: guest action write in VM g0's handler for vector 0x50 is not modelled inside a VM; ignored",
            "irqlab: guest action ipi in VM g0's handler for vector 0x50 is not modelled inside a VM; ignored",
        ], ignored);
    }

    /// <summary>
    /// The message is said once per action of the scenario, not on every run of the handler: IrqLab's own messages are
    /// always kept (docs/simulation.md, "Safety bounds"), so a busy guest handler would otherwise grow the output
    /// without bound.
    /// </summary>
    [Fact]
    public void An_ignored_guest_action_is_reported_once_however_often_its_handler_runs()
    {
        var scenario = ScenarioLoader.Parse("""
            irqlab: 1
            name: guest-action-once
            kernel: {version: latest, delivery: fred}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers:
                  - vector: 0x50
                    do: [{read: {cpu: 0, reg: apic.tpr, as: t}}, eoi]
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x50}}
              - {advance: 10us}
              - {vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x50}}
              - {advance: 10us}
            """, "guest-action-once.yaml");

        var r = Simulator.Run(scenario);

        Assert.Equal(2, r.Dispatch.Count(d => d is { Vm: "g0", Vector: 0x50 }));
        Assert.Single(r.Messages, m => m.Text.StartsWith("irqlab: guest action read ", StringComparison.Ordinal));
    }
}
