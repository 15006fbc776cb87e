using IrqLab.Scenarios;
using IrqLab.Simulation;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>Events delivered inside a guest go through the guest's own IDT (SDM 26.6, 6.12).</summary>
public sealed class GuestIdtTests
{
    private static IrqLab.Simulation.Output.RunResult Run(string steps, string handlers) => Simulator.Run(ScenarioLoader.Parse($$"""
        irqlab: 1
        name: guest-idt
        machine: {cpus: 2}
        vms:
          - name: g0
            vcpus: [{cpu: 1}]
            handlers: {{handlers}}
        steps:
        {{steps}}
        """, "guest-idt.yaml"));

    [Fact]
    public void Injected_vector_without_a_guest_gate_ends_in_a_TRIPLE_FAULT_exit_not_a_host_shutdown_SDM_25_2()
    {
        var r = Run("""
              - {vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x40}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
            """, "[]");
        Assert.Contains(r.VmExits, x => x.Reason == "TRIPLE_FAULT" && x.Vm == "g0");
        Assert.DoesNotContain(r.Faults, f => f.Kind == "triple_fault");
    }

    [Fact]
    public void Missing_guest_gate_raises_NP_in_the_guest_when_NP_has_a_handler_SDM_6_12_1_1()
    {
        var r = Run("""
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x40}}
            """, "[{vector: 11, do: []}]");
        var guest = r.Dispatch.Where(d => d.Vm == "g0").ToList();
        Assert.Single(guest);
        Assert.Equal(11, guest[0].Vector);
        Assert.Equal("exception", guest[0].Path);
    }

    [Fact]
    public void Exception_step_on_a_cpu_running_a_guest_is_delivered_to_the_guest()
    {
        var r = Run("""
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {exception: {cpu: 1, vector: 14, error_code: 2, cr2: 0x1000}}
            """, "[{vector: 14, do: []}]");
        var d = Assert.Single(r.Dispatch);
        Assert.Equal(("g0", 14, "hw_exc"), (d.Vm, d.Vector, d.Event));
    }

    // SCENARIOS.md §6/§7: a handler runs its do list, then returns (IRET); the exception step is delivered once.
    // SDM Vol. 3A §6.12.1: the guest handler's IRET pops its frame, so the next guest event is not nested in it.
    [Fact]
    public void Guest_exception_handler_returns_so_the_next_guest_exception_is_not_nested_SDM_6_12_1()
    {
        var r = Run("""
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {exception: {cpu: 1, vector: 6}}
              - {advance: 1us}
              - {exception: {cpu: 1, vector: 6}}
              - {advance: 1us}
            """, "[{vector: 6, do: []}]");
        var guest = r.Dispatch.Where(d => d.Vm == "g0").ToList();
        Assert.Equal(2, guest.Count);
        Assert.All(guest, d => Assert.Equal(0, d.Depth));
    }
}

/// <summary>Bare-mode MSI devices programmed by the scenario (SCENARIOS.md §5 <c>msi: {address, data}</c>).</summary>
public sealed class BareMsiTests
{
    [Fact]
    public void Programmed_msi_is_delivered_to_its_vector_PCI_MSI_compatibility_format_SDM_11_11()
    {
        var r = Simulator.Run(ScenarioLoader.Parse("""
            irqlab: 1
            name: bare-msi
            kernel: {mode: bare}
            machine: {cpus: 2}
            devices:
              - {name: nvme0, msi: {address: 0xFEE01000, data: 0x0041}}
            handlers: [{vector: 0x41, do: [eoi]}]
            steps:
              - {raise: nvme0}
            """, "bare-msi.yaml"));
        var d = Assert.Single(r.Dispatch);
        Assert.Equal((1, 0x41, "vector_0x41"), (d.Cpu, d.Vector, d.Handler)); // destination ID 1 in address bits 19:12
    }
}

/// <summary>Linux on a PIC-only machine: init_8259A() programs ICW2 with ISA_IRQ_VECTOR(0) (arch/x86/kernel/i8259.c).</summary>
public sealed class XtPicTests
{
    [Fact]
    public void Isa_irq_without_ioapic_arrives_as_0x30_plus_irq_through_the_XT_PIC()
    {
        var r = Simulator.Run(ScenarioLoader.Parse("""
            irqlab: 1
            name: xt-pic
            kernel: {version: "6.1"}
            machine: {cpus: 1, ioapics: [], pic: true}
            devices:
              - {name: ata0, line: {isa: 14}}
              - {name: kbd, line: {isa: 1}}
            steps:
              - {pulse: ata0}
              - {pulse: kbd}
            """, "xt-pic.yaml"));
        Assert.Equal([(0x3e, 14), (0x31, 1)], r.Dispatch.Select(d => (d.Vector, d.Irq ?? -1)));
        Assert.All(r.Dispatch, d => Assert.Equal("common_interrupt", d.Handler));
        Assert.Equal("XT-PIC", r.InterruptRows.Single(x => x.Row == "14").Chip);
        Assert.Equal([1UL], r.InterruptRows.Single(x => x.Row == "14").Counts);
    }
}

/// <summary>A run without run.until ends when the machine is idle, or at the idle horizon with a warning.</summary>
public sealed class IdleHorizonTests
{
    [Fact]
    public void Self_re_raising_handler_stops_at_the_idle_horizon_with_a_warning()
    {
        var r = Simulator.Run(ScenarioLoader.Parse("""
            irqlab: 1
            name: self-raise
            kernel: {mode: bare}
            machine: {cpus: 1}
            handlers: [{vector: 0x41, do: [{ipi: {to: self, vector: 0x41}}, {advance: 1ms}, eoi]}]
            steps:
              - {ipi: {from: 0, to: self, vector: 0x41}}
            """, "self-raise.yaml"), new SimulationOptions { IdleHorizonNs = 10_000_000 });
        Assert.Equal(10_000_000, r.TimeNs);
        Assert.Contains(r.Messages, m => m.Level == "warning" && m.Text.Contains("did not become idle", StringComparison.Ordinal));
        Assert.InRange(r.Dispatch.Count, 10, 11);
    }
}

/// <summary>The exception bitmap and IDT-vectoring re-injection (SDM 25.2, 27.2.4; KVM __vmx_complete_interrupts).</summary>
public sealed class IdtVectoringTests
{
    private static IrqLab.Simulation.Output.RunResult Run(string steps, string bitmap, string handlers) => Simulator.Run(ScenarioLoader.Parse($$"""
        irqlab: 1
        name: vectoring
        machine: {cpus: 2}
        vms:
          - name: g0
            vcpus: [{cpu: 1}]
            exception_bitmap: {{bitmap}}
            handlers: {{handlers}}
        steps:
        {{steps}}
        """, "vectoring.yaml"));

    [Fact]
    public void NP_during_delivery_exits_with_the_event_in_IDT_vectoring_and_the_next_entry_reinjects_it()
    {
        // The first entry injects 0x40 whose guest gate is missing: #NP during delivery, intercepted -> EXCEPTION_NMI
        // (vector 11). The second entry re-injects 0x40 from IDT-vectoring: it exits the same way again.
        var r = Run("""
              - {vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x40}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
            """, "[11]", "[{vector: 11, do: []}]");
        Assert.Equal([("EXCEPTION_NMI", (int?)11), ("EXCEPTION_NMI", (int?)11)], r.VmExits.Select(x => (x.Reason, x.Vector)));
        Assert.DoesNotContain(r.Dispatch, d => d.Vm == "g0");
    }

    [Fact]
    public void Without_the_bitmap_the_NP_is_delivered_to_the_guest()
    {
        var r = Run("""
              - {vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x40}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
            """, "[]", "[{vector: 11, do: []}]");
        Assert.Empty(r.VmExits);
        Assert.Equal(11, Assert.Single(r.Dispatch).Vector);
    }

    /// <summary>
    /// SDM 26.5.1.2: "An event being injected never causes a VM exit directly regardless of the settings of the
    /// VM-execution controls": an injected exception whose vector is in the bitmap reaches the guest handler (only an
    /// exception that its delivery raises is intercepted), with no EXCEPTION_NMI exit.
    /// </summary>
    [Theory]
    [InlineData("type: hw_exc, vector: 14, error_code: 2", 14)]
    [InlineData("type: hw_exc, vector: 6", 6)]
    [InlineData("type: sw_exc, vector: 3", 3)]
    public void Injected_exception_in_the_bitmap_is_delivered_to_the_guest_sdm_26_5_1_2(string injection, int vector)
    {
        var r = Run(
            $"  - {{vm: {{op: inject, vm: g0, vcpu: 0, {injection}}}}}\n  - {{vm: {{op: enter, vm: g0, vcpu: 0}}}}",
            $"[{vector}]",
            $"[{{vector: {vector}, do: []}}]");
        Assert.Empty(r.VmExits);
        var d = Assert.Single(r.Dispatch);
        Assert.Equal((vector, "g0"), (d.Vector, d.Vm));
    }

    /// <summary>
    /// SDM 25.2 / 24.6.3: exceptions exit according to the exception bitmap, the software exceptions included (#BP from
    /// INT3, #OF from INTO, which the exception step raises as event type 6); only hardware exceptions were checked, so an
    /// INT3 in a guest whose bitmap has bit 3 (KVM sets it for software breakpoints, KVM_GUESTDBG_USE_SW_BP) reached the
    /// guest's handler. An exception the bitmap does not name still reaches the guest.
    /// </summary>
    [Theory]
    [InlineData(3, "[3]", true)]
    [InlineData(4, "[4]", true)]
    [InlineData(3, "[4]", false)]
    [InlineData(6, "[6]", true)]
    public void Software_exception_raised_in_the_guest_exits_when_its_bit_is_in_the_bitmap(int vector, string bitmap, bool exits)
    {
        var r = Run(
            $"  - {{vm: {{op: enter, vm: g0, vcpu: 0}}}}\n  - {{exception: {{cpu: 1, vector: {vector}}}}}",
            bitmap,
            $"[{{vector: {vector}, do: []}}]");
        if (exits)
        {
            var exit = Assert.Single(r.VmExits);
            Assert.Equal(("EXCEPTION_NMI", (int?)vector), (exit.Reason, exit.Vector));
            Assert.Empty(r.Dispatch);
        }
        else
        {
            Assert.Empty(r.VmExits);
            Assert.Equal((vector, "g0"), (Assert.Single(r.Dispatch).Vector, Assert.Single(r.Dispatch).Vm));
        }
    }

    /// <summary>
    /// KVM keeps #DB, #UD and #AC in every guest's exception bitmap (vmx_update_exception_bitmap, arch/x86/kvm/vmx/vmx.c)
    /// and, with nothing of its own to do, handle_exception_nmi() queues the exception back for the guest: an
    /// EXCEPTION_NMI exit with the vector, then the re-entry injects it and the guest handler runs. Other exceptions
    /// (#PF with EPT, #GP, ...) reach the guest directly, with no exit.
    /// </summary>
    [Theory]
    [InlineData("vector: 1", 1, true)]
    [InlineData("vector: 6", 6, true)]
    [InlineData("vector: 17, error_code: 0", 17, true)]
    [InlineData("vector: 14, error_code: 2", 14, false)]
    [InlineData("vector: 13, error_code: 0", 13, false)]
    public void DB_UD_AC_in_a_guest_exit_and_are_reinjected_by_kvm(string exception, int vector, bool exits)
    {
        var r = Run(
            $"  - {{vm: {{op: enter, vm: g0, vcpu: 0}}}}\n  - {{exception: {{cpu: 1, {exception}}}}}",
            "[]",
            $"[{{vector: {vector}, do: []}}]");
        Assert.Equal(exits ? [("EXCEPTION_NMI", (int?)vector)] : [], r.VmExits.Select(x => (x.Reason, x.Vector)).ToArray());
        var d = Assert.Single(r.Dispatch);
        Assert.Equal((vector, "g0", "hw_exc"), (d.Vector, d.Vm, d.Event));
    }

    [Fact]
    public void Intercepted_exception_raised_in_the_guest_exits_without_IDT_vectoring()
    {
        var r = Run("""
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {exception: {cpu: 1, vector: 14, error_code: 2, cr2: 0x1000}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
            """, "[14]", "[{vector: 14, do: []}]");
        var exit = Assert.Single(r.VmExits);
        Assert.Equal(("EXCEPTION_NMI", (int?)14), (exit.Reason, exit.Vector));
        Assert.Empty(r.Dispatch);
    }
}
