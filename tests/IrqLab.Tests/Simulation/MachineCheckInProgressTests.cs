using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// IA32_MCG_STATUS.MCIP (SDM Vol. 3B §16.3.1.2): a machine check sets it, software clears it, and "the occurrence of a
/// second Machine-Check Event while MCIP is set will cause the processor to enter a shutdown state" (also x86-events.md
/// §2: "#MC with CR4.MCE=1 while IA32_MCG_STATUS.MCIP=1 also causes shutdown"). The model had no MCIP: a second #MC ran
/// the handler again, and MSR 0x17A did not exist (RDMSR/WRMSR raised #GP), so a bare handler could not clear it.
/// </summary>
public sealed class MachineCheckInProgressTests
{
    [Theory]
    // Handler returns without clearing MCIP: the second #MC shuts the CPU down, whether the first handler still runs or not.
    [InlineData("[]", "0", "vector_0x12", "machine_check,machine_check,triple_fault")]
    [InlineData("[{advance: 1us}]", "100ns", "vector_0x12", "machine_check,machine_check,triple_fault")]
    // Handler clears MCIP (WRMSR 0x17A, 0) before returning: each #MC is handled.
    [InlineData("[{write: {msr: 0x17A, value: 0}}]", "0", "vector_0x12,vector_0x12", "machine_check,machine_check")]
    public void Second_machine_check_while_mcip_is_set_shuts_down(string actions, string gap, string handlers, string faults)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: mcip
            kernel: {mode: bare}
            machine: {cpus: 1}
            handlers:
              - {vector: 18, do: {{{actions}}}}
            steps:
              - {exception: {cpu: 0, vector: 18}}
              - {advance: {{{gap}}}}
              - {exception: {cpu: 0, vector: 18}}
              - {advance: 2us}
            """);

        Assert.Equal(handlers, string.Join(",", r.Dispatch.Select(d => d.Handler)));
        Assert.Equal(faults, string.Join(",", r.Faults.Select(f => f.Kind)));
    }

    /// <summary>
    /// A machine check whose bare IDT gate is missing (SCENARIOS.md §6): the delivery meets the not-present gate and
    /// becomes #NP (benign #MC then contributory #NP: handled serially, SDM Vol. 3A Table 6-5), or #DF, or a triple
    /// fault, but the #MC was generated: it is a machine check in <c>faults</c>, and it set MCIP ("indicates that a
    /// machine-check exception was generated", SDM Vol. 3B §16.3.1.2), so a second one shuts the CPU down before any
    /// delivery. The model looked at the event delivered instead: no <c>machine_check</c>, no MCIP, and the second #MC
    /// ran the #NP handler again.
    /// </summary>
    [Theory]
    [InlineData("[11]", "idt", "vector_0x0b", "machine_check,machine_check,triple_fault")]
    [InlineData("[8]", "idt", "vector_0x08", "machine_check,machine_check,triple_fault")]
    [InlineData("[]", "idt", "", "machine_check,triple_fault")]
    // FRED has no gates: the #MC itself is delivered (logged unhandled), as before.
    [InlineData("[11]", "fred", "unhandled", "machine_check,machine_check,triple_fault")]
    public void A_machine_check_that_misses_its_gate_is_still_a_machine_check_and_sets_mcip(
        string listed, string delivery, string handlers, string faults)
    {
        var listedHandlers = string.Join(", ", listed.Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => $"{{vector: {v.Trim()}, do: []}}"));
        var r = Sim.Run($$$"""
            irqlab: 1
            name: mc-no-gate
            kernel: {mode: bare, delivery: {{{delivery}}}}
            machine: {cpus: 2}
            handlers: [{{{listedHandlers}}}]
            steps:
              - {exception: {cpu: 1, vector: 18}}
              - {advance: 1us}
              - {exception: {cpu: 1, vector: 18}}
              - {advance: 1us}
            """);

        Assert.Equal(handlers, string.Join(",", r.Dispatch.Select(d => d.Handler)));
        Assert.All(r.Faults, f => Assert.Equal(1, f.Cpu));
        Assert.Equal(faults, string.Join(",", r.Faults.Select(f => f.Kind)));
    }

    /// <summary>
    /// A machine check on a CPU that runs a bare-mode guest is delivered through the guest's IDT (SDM Vol. 3C 25.2: an
    /// exception exits only when the exception bitmap asks), and it is a machine check of the CPU all the same
    /// (SCENARIOS.md §10 <c>faults</c>; the Linux-mode path, KVM's exit to <c>kvm_machine_check()</c>, records it too).
    /// The bare guest path recorded nothing. The guest's MCIP is not modelled: the second one runs the handler again.
    /// </summary>
    [Fact]
    public void A_machine_check_in_a_bare_guest_is_recorded()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: mc-guest
            kernel: {mode: bare}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers:
                  - {vector: 18, do: [{advance: 1us}]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {exception: {cpu: 1, vector: 18}}
              - {advance: 2us}
              - {exception: {cpu: 1, vector: 18}}
              - {advance: 2us}
            """);

        Assert.Equal(["vector_0x12", "vector_0x12"], r.Dispatch.Select(d => d.Handler));
        Assert.All(r.Dispatch, d => Assert.Equal("g0", d.Vm));
        Assert.Equal(["machine_check", "machine_check"], r.Faults.Select(f => f.Kind));
        Assert.All(r.Faults, f => Assert.Equal(1, f.Cpu));
    }

    [Fact]
    public void Mcg_status_reads_mcip_in_the_handler_and_reserved_bits_fault()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: mcg-status
            kernel: {mode: bare}
            machine: {cpus: 1}
            handlers:
              - {vector: 18, do: [{read: {msr: 0x17A, as: in_handler}}, {write: {msr: 0x17A, value: 0}}]}
              - {vector: 13, do: []}
            steps:
              - {read: {msr: 0x17A, as: before}}
              - {exception: {cpu: 0, vector: 18}}
              - {read: {msr: 0x17A, as: after}}
              - {write: {msr: 0x17A, value: 0x10}}
            """);

        Assert.Equal("0", Sim.Read(r, "before").ToString());
        Assert.Equal("4", Sim.Read(r, "in_handler").ToString());
        Assert.Equal("0", Sim.Read(r, "after").ToString());
        Assert.Equal("vector_0x12,vector_0x0d", string.Join(",", r.Dispatch.Select(d => d.Handler)));
    }

    /// <summary>Linux clears MCIP at the end of do_machine_check() (mce_wrmsrl(MSR_IA32_MCG_STATUS, 0)): two #MCs, two handlers.</summary>
    [Fact]
    public void Linux_clears_mcip_in_do_machine_check()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: mcip-linux
            kernel: {config: {X86_MCE: true}}
            machine: {cpus: 1}
            steps:
              - {exception: {cpu: 0, vector: 18}}
              - {advance: 10us}
              - {exception: {cpu: 0, vector: 18}}
            """);

        Assert.Equal(["exc_machine_check", "exc_machine_check"], r.Dispatch.Select(d => d.Handler));
        Assert.Equal(["machine_check", "machine_check"], r.Faults.Select(f => f.Kind));
    }
}
